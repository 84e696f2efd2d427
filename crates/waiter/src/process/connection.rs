//! The parent's side of one worker process: its pipes, the calls it has not
//! answered yet, and the thread that reads its answers.
//!
//! A call is written to the worker's stdin when the worker has room for it
//! (`calls_per_worker`, default 1: a call is written only to an idle
//! worker, so a written call is a running one). The worker runs its calls
//! one after the other, in order, and a reader thread matches each answer
//! to the oldest unanswered call, then hands the worker the next waiting
//! call. When the worker's
//! stdout ends (it exited, crashed, was killed) or carries something that is
//! not a frame, the reader fails the call the worker was running with
//! [`TaskError::WorkerDied`], hands the calls it had not started back to the
//! pool, and asks the pool for a replacement. Nothing waits forever.
//!
//! The reader acts on the pool only once its connection is in its slot
//! ([`Connection::activate`]): a worker that ends between its hello and its
//! installation is then replaced in the slot it really occupies.

use std::collections::VecDeque;
use std::io::{BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::Shared;
use super::error::ProcessError;
use super::error::TaskError;
use super::protocol::{
    Answer, Call, FrameError, Hello, MAGIC, Reply, VERSION, encode_frame, read_frame,
};
use super::worker::WORKER_ENV;
use crate::sync::lock;

/// Whoever waits for a call's answer: a task's cell.
pub(crate) trait Recipient: Send {
    /// Pending to running, as the call is written to a worker; `false` if
    /// the task was cancelled first (the call is then dropped, unsent).
    fn start(&self) -> bool;
    /// Hands over the answer or the failure; only after `start` said yes.
    fn finish(self: Box<Self>, answer: Result<Answer, TaskError>);
}

/// A call on its way: waiting in the pool, or written to a worker and not
/// answered yet.
pub(crate) struct InFlight {
    pub(crate) call: Call,
    recipient: Box<dyn Recipient>,
    /// Whether `recipient.start()` was won: once written, a call stays
    /// running, even if its worker dies before reading it and it goes to
    /// another.
    started: bool,
}

impl InFlight {
    pub(crate) fn new(call: Call, recipient: Box<dyn Recipient>) -> Self {
        Self {
            call,
            recipient,
            started: false,
        }
    }

    /// Starts the task unless it was cancelled; idempotent.
    fn start(&mut self) -> bool {
        if !self.started {
            self.started = self.recipient.start();
        }
        self.started
    }

    /// Fails the call (a cancelled one stays cancelled).
    pub(crate) fn fail(mut self, error: TaskError) {
        if self.start() {
            self.recipient.finish(Err(error));
        }
    }

    fn answer(self, answer: Answer) {
        debug_assert!(self.started, "only written calls are answered");
        self.recipient.finish(Ok(answer));
    }
}

/// Whether `reply` answers `expected` (the oldest unanswered call); why not
/// if it does not: then the worker's output cannot be trusted any more.
pub(crate) fn check_reply(expected: Option<&Call>, reply: &Reply) -> Result<(), String> {
    let Some(call) = expected else {
        return Err(format!("an answer to call {} that was not asked", reply.id));
    };
    if call.id != reply.id {
        return Err(format!(
            "an answer to call {} while call {} runs",
            reply.id, call.id
        ));
    }
    match &reply.answer {
        Answer::Items(items) if items.len() != call.items.len() => Err(format!(
            "{} results for the {} items of call {}",
            items.len(),
            call.items.len(),
            call.id
        )),
        _ => Ok(()),
    }
}

/// Reads and checks a worker's first frame.
pub(crate) fn read_hello(stdout: &mut impl Read) -> Result<(), String> {
    match read_frame::<Hello>(stdout) {
        Ok(hello) if hello.magic == MAGIC && hello.version == VERSION => Ok(()),
        Ok(hello) if hello.magic == MAGIC => Err(format!(
            "it speaks protocol version {}, this program {VERSION} (another build?)",
            hello.version
        )),
        Ok(hello) => Err(format!("unexpected hello {hello:?}")),
        Err(FrameError::Closed) => Err("it exited without a word".to_owned()),
        Err(error) => Err(format!(
            "its first output is not a worker's hello ({error})"
        )),
    }
}

/// One worker process.
pub(crate) struct Connection {
    pub(crate) slot: usize,
    pub(crate) pid: u32,
    child: Mutex<Child>,
    /// `None` once closed: the worker then finishes what it has and exits.
    stdin: Mutex<Option<BufWriter<ChildStdin>>>,
    in_flight: Mutex<VecDeque<InFlight>>,
    /// Items written and not answered, to pick the least loaded worker.
    load: AtomicUsize,
    /// Items ever sent, for `max_tasks_per_worker`.
    sent: AtomicUsize,
    /// Calls answered, to tell a worker that never worked from one that did.
    answered: AtomicUsize,
    alive: AtomicBool,
    reader: Mutex<Option<JoinHandle<()>>>,
    /// Lets the reader go past the hello; taken by [`Connection::activate`].
    go: Mutex<Option<crossbeam_channel::Sender<()>>>,
}

/// How a worker's stdout ended.
enum End {
    Closed,
    Garbage(String),
}

impl Connection {
    /// Starts a worker process for `slot` and waits for its hello. The
    /// caller puts it in the slot, then calls [`activate`](Self::activate).
    pub(crate) fn start(
        shared: &Arc<Shared>,
        slot: usize,
    ) -> Result<Arc<Connection>, ProcessError> {
        let config = &shared.config;
        let mut command = Command::new(&config.program);
        // A group of its own, so that a kill reaches what a task started
        // too. No parent-death signal: a replacement is started from the
        // reader thread of the worker it replaces, which ends first; the
        // end of stdin tells a worker that its parent is gone.
        crate::child::isolate(&mut command, crate::child::ParentDeath::Ignore);
        let mut child = command
            .args(&config.args)
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| ProcessError::Spawn {
                program: config.program.display().to_string(),
                source,
            })?;
        let pid = child.id();
        let (stdin, stdout) = match (child.stdin.take(), child.stdout.take()) {
            (Some(stdin), Some(stdout)) => (stdin, stdout),
            _ => unreachable!("both pipes were requested"),
        };
        let (go, installed) = crossbeam_channel::bounded(1);
        let connection = Arc::new(Connection {
            slot,
            pid,
            child: Mutex::new(child),
            stdin: Mutex::new(Some(BufWriter::new(stdin))),
            in_flight: Mutex::new(VecDeque::new()),
            load: AtomicUsize::new(0),
            sent: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            alive: AtomicBool::new(true),
            reader: Mutex::new(None),
            go: Mutex::new(Some(go)),
        });
        let (said_hello, hello) = crossbeam_channel::bounded(1);
        let reader = {
            let (shared, connection) = (Arc::clone(shared), Arc::clone(&connection));
            std::thread::Builder::new()
                .name(format!("waiter-process-reader-{slot}"))
                .spawn(move || connection.read_answers(&shared, stdout, said_hello, installed))
                .map_err(|source| ProcessError::Spawn {
                    program: "reader thread".into(),
                    source,
                })?
        };
        *lock(&connection.reader) = Some(reader);
        let greeting = hello
            .recv_timeout(config.hello_timeout)
            .unwrap_or_else(|_| Err(format!("no hello within {:?}", config.hello_timeout)));
        if let Err(problem) = greeting {
            // A hello that came just too late leaves the reader waiting to
            // be let go: it never will be.
            lock(&connection.go).take();
            connection.kill();
            // Reaped, or it would stay a zombie as long as this process.
            let _ = lock(&connection.child).wait();
            connection.join_reader();
            return Err(ProcessError::NotAWorker {
                program: config.program.display().to_string(),
                problem,
            });
        }
        Ok(connection)
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    pub(crate) fn load(&self) -> usize {
        self.load.load(Ordering::Relaxed)
    }

    /// Writes `call` if this worker has room for it (fewer than `depth`
    /// calls unanswered); gives it back if not, or if the worker takes no
    /// more (retiring, closed, going away). A cancelled call is dropped
    /// here, unsent.
    pub(crate) fn send(
        &self,
        mut call: InFlight,
        depth: usize,
        max_items: Option<usize>,
    ) -> Result<(), InFlight> {
        let frame = match encode_frame(&call.call) {
            Ok(frame) => frame,
            Err(error) => {
                // No worker could take it: fail the call, not the worker.
                call.fail(TaskError::Protocol(format!(
                    "the call cannot be sent: {error}"
                )));
                return Ok(());
            }
        };
        let mut stdin = lock(&self.stdin);
        let Some(writer) = stdin.as_mut() else {
            return Err(call);
        };
        let id = call.call.id;
        let items = call.call.items.len();
        {
            let mut in_flight = lock(&self.in_flight);
            if in_flight.len() >= depth {
                return Err(call);
            }
            // Running from here on: the call is about to be written.
            if !call.start() {
                return Ok(());
            }
            // Recorded before writing: the answer may be back before
            // `write` returns, and the reader must find the call.
            in_flight.push_back(call);
        }
        self.load.fetch_add(items, Ordering::Relaxed);
        let written = writer.write_all(&frame).and_then(|()| writer.flush());
        if written.is_err() {
            // The worker is going away; the reader will notice. Take the
            // call back if the reader has not already.
            *stdin = None;
            let mut in_flight = lock(&self.in_flight);
            if let Some(at) = in_flight.iter().position(|f| f.call.id == id) {
                let taken = in_flight.remove(at).expect("position is in bounds");
                self.load.fetch_sub(items, Ordering::Relaxed);
                return Err(taken);
            }
            return Ok(());
        }
        let sent = self.sent.fetch_add(items, Ordering::Relaxed) + items;
        if max_items.is_some_and(|max| sent >= max) {
            // Retire: the worker answers what it has, sees end of input and
            // exits; the reader then starts a fresh one.
            *stdin = None;
        }
        Ok(())
    }

    /// Tells the reader that the connection is in its slot: from now on it
    /// reads answers, and when the worker ends it replaces it there.
    pub(crate) fn activate(&self) {
        if let Some(go) = lock(&self.go).take() {
            let _ = go.send(());
        }
    }

    /// Closes the worker's stdin: it finishes its calls and exits.
    pub(crate) fn close(&self) {
        lock(&self.stdin).take();
    }

    fn kill(&self) {
        let mut child = lock(&self.child);
        // Not reaped yet (only `ended` reaps, after this): the pid still
        // names this worker's group.
        crate::child::kill_group(self.pid);
        let _ = child.kill();
    }

    pub(crate) fn join_reader(&self) {
        if let Some(reader) = lock(&self.reader).take() {
            if reader.thread().id() != std::thread::current().id() {
                let _ = reader.join();
            }
        }
    }

    /// The reader thread: hello, then answers until the stream ends.
    fn read_answers(
        self: Arc<Self>,
        shared: &Arc<Shared>,
        stdout: ChildStdout,
        said_hello: crossbeam_channel::Sender<Result<(), String>>,
        installed: crossbeam_channel::Receiver<()>,
    ) {
        let mut stdout = BufReader::new(stdout);
        let greeting = read_hello(&mut stdout);
        let greeted = greeting.is_ok();
        let _ = said_hello.send(greeting);
        if !greeted {
            return;
        }
        // No call is sent before the connection is in its slot, and its end
        // must be handled there, not in the slot's previous occupant.
        if installed.recv().is_err() {
            return;
        }
        let end = loop {
            let reply: Reply = match read_frame(&mut stdout) {
                Ok(reply) => reply,
                Err(FrameError::Closed) => break End::Closed,
                Err(error) => break End::Garbage(error.to_string()),
            };
            let answered = {
                let mut in_flight = lock(&self.in_flight);
                match check_reply(in_flight.front().map(|f| &f.call), &reply) {
                    Ok(()) => in_flight.pop_front(),
                    Err(why) => break End::Garbage(why),
                }
            };
            if let Some(done) = answered {
                self.load
                    .fetch_sub(done.call.items.len(), Ordering::Relaxed);
                self.answered.fetch_add(1, Ordering::Relaxed);
                done.answer(reply.answer);
                // Room for the next waiting call.
                shared.feed(&self);
            }
        };
        self.ended(shared, end);
    }

    /// The worker's stdout ended: fail or hand back what it had, and
    /// replace it unless the pool is closing.
    fn ended(&self, shared: &Arc<Shared>, end: End) {
        self.alive.store(false, Ordering::Release);
        // Killed before its stdin is closed: a sender may hold the stdin
        // lock, blocked on a full pipe that a garbage-writing worker no
        // longer reads; killing it frees that write (a broken pipe).
        if matches!(end, End::Garbage(_)) {
            self.kill();
        }
        self.close();
        let status = lock(&self.child).wait();
        let in_flight: Vec<InFlight> = lock(&self.in_flight).drain(..).collect();
        self.load.store(0, Ordering::Relaxed);
        let mut calls = in_flight.into_iter();
        let running = calls.next();
        let failed_a_call = running.is_some();
        if let Some(running) = running {
            let why = match &end {
                End::Garbage(what) => format!(
                    "worker {} (pid {}) wrote something that is not an answer ({what}) and was stopped",
                    self.slot, self.pid
                ),
                End::Closed => format!(
                    "worker {} (pid {}) {}",
                    self.slot,
                    self.pid,
                    describe(status.ok())
                ),
            };
            running.fail(TaskError::WorkerDied(why));
        }
        // The worker runs calls in order, so the rest never started: they
        // go to another worker, or wait for the replacement (handed back
        // first, so the replacement finds them).
        shared.requeue(calls);
        // One that ended running a call is no sign of a broken program (a
        // task that crashes it, a kill): replacing it cost that call, so
        // such restarts are bounded by the calls.
        let worked = self.answered.load(Ordering::Relaxed) > 0 || failed_a_call;
        shared.replace(self.slot, self.pid, worked);
    }
}

/// "exited with status 3", "was killed by signal 9 (SIGKILL)".
fn describe(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "ended, and its exit status could not be read".to_owned();
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGABRT => " (SIGABRT: aborted)",
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGTERM => " (SIGTERM)",
                _ => "",
            };
            return format!("was killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended".to_owned(),
    }
}

/// How long a new worker has to say hello by default.
pub(crate) const HELLO_TIMEOUT: Duration = Duration::from_secs(20);

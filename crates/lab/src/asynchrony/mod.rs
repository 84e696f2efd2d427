//! `async`: the note's title, asynchronous Python, as an event loop you can watch.

pub mod mini;

//! What a caller asks the waiter for: some units of some resources.

use smallvec::SmallVec;

/// A set of resources and how many units of each, asked for all at once.
///
/// Built from resource indices (one unit each) or with [`Request::units`].
/// Duplicates add up: `[3, 3]` asks for two units of resource 3.
///
/// # Examples
///
/// ```
/// use waiter::Request;
///
/// let forks = Request::from([0, 1]); // the left and the right fork
/// let from_pile = Request::new().units(0, 2); // any two forks of a pile
/// assert_eq!(forks.parts(), [(0, 1), (1, 1)]);
/// assert_eq!(from_pile.parts(), [(0, 2)]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `(resource, units)`, sorted by resource, no duplicates, no zero units.
    /// Inline up to four parts: a philosopher's two forks cost no allocation.
    parts: SmallVec<[(usize, usize); 4]>,
}

impl Request {
    /// An empty request (acquiring it is an error; add units first).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `units` units of `resource`.
    pub fn units(mut self, resource: usize, units: usize) -> Self {
        if units == 0 {
            return self;
        }
        match self.parts.binary_search_by_key(&resource, |&(r, _)| r) {
            Ok(at) => self.parts[at].1 = self.parts[at].1.saturating_add(units),
            Err(at) => self.parts.insert(at, (resource, units)),
        }
        self
    }

    /// The `(resource, units)` pairs, sorted by resource.
    pub fn parts(&self) -> &[(usize, usize)] {
        &self.parts
    }

    /// Whether nothing is asked for.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Whether two requests share a resource.
    pub(crate) fn overlaps(&self, other: &Request) -> bool {
        let (mut a, mut b) = (self.parts.iter().peekable(), other.parts.iter().peekable());
        while let (Some(&&(x, _)), Some(&&(y, _))) = (a.peek(), b.peek()) {
            match x.cmp(&y) {
                std::cmp::Ordering::Less => drop(a.next()),
                std::cmp::Ordering::Greater => drop(b.next()),
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

impl FromIterator<usize> for Request {
    fn from_iter<I: IntoIterator<Item = usize>>(resources: I) -> Self {
        resources
            .into_iter()
            .fold(Request::new(), |request, resource| {
                request.units(resource, 1)
            })
    }
}

impl From<&[usize]> for Request {
    fn from(resources: &[usize]) -> Self {
        resources.iter().copied().collect()
    }
}

impl<const N: usize> From<[usize; N]> for Request {
    fn from(resources: [usize; N]) -> Self {
        resources.into_iter().collect()
    }
}

impl<const N: usize> From<&[usize; N]> for Request {
    fn from(resources: &[usize; N]) -> Self {
        resources.iter().copied().collect()
    }
}

impl From<Vec<usize>> for Request {
    fn from(resources: Vec<usize>) -> Self {
        resources.into_iter().collect()
    }
}

impl From<&Request> for Request {
    fn from(request: &Request) -> Self {
        request.clone()
    }
}

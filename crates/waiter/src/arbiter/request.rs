//! What a caller asks the waiter for: some units of some resources.

use smallvec::SmallVec;

/// A set of resources and how many units of each, asked for all at once.
///
/// Built from resource indices (one unit each) or with [`Request::units`].
/// Naming a resource twice adds up: `[3, 3]` asks for two units of resource
/// 3 (an error on a resource of capacity 1, never a wait). A part of zero
/// units is an error when the request is made
/// ([`WaiterError::ZeroUnits`](crate::WaiterError::ZeroUnits)): a request
/// that names a resource means to hold some of it.
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
    /// Resources named with zero units, in the order named: kept so the
    /// waiter can check them and refuse the request.
    zero_units: SmallVec<[usize; 0]>,
}

impl Request {
    /// An empty request (acquiring it is an error; add units first).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `units` units of `resource`. Zero units make the request
    /// invalid ([`WaiterError::ZeroUnits`](crate::WaiterError::ZeroUnits)
    /// when it is made); so does an unknown resource, whatever its units.
    pub fn units(mut self, resource: usize, units: usize) -> Self {
        if units == 0 {
            self.zero_units.push(resource);
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

    /// Whether nothing is asked for: no resource named at all.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.zero_units.is_empty()
    }

    /// Resources named with zero units (the request is invalid if any).
    pub(crate) fn zero_units(&self) -> &[usize] {
        &self.zero_units
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

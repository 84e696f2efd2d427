//! Requests the waiter cannot grant, ever.

/// Why a request or a waiter's configuration is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WaiterError {
    /// The request asks for nothing.
    #[error("empty request: ask for at least one unit of one resource")]
    EmptyRequest,
    /// The request names a resource the waiter does not have.
    #[error("unknown resource {resource}: this waiter has resources 0..{resources}")]
    UnknownResource {
        /// The resource asked for.
        resource: usize,
        /// How many resources there are.
        resources: usize,
    },
    /// A part of zero units ([`Request::units`](crate::Request::units) with 0).
    #[error("zero units of resource {resource}: ask for at least 1 unit of each resource named")]
    ZeroUnits {
        /// The resource named with zero units.
        resource: usize,
    },
    /// More units than the resource will ever have: waiting would be forever.
    #[error("resource {resource} has {capacity} unit(s); {units} can never be granted")]
    ExceedsCapacity {
        /// The resource asked for.
        resource: usize,
        /// Units asked for.
        units: usize,
        /// Its capacity.
        capacity: usize,
    },
    /// A waiter needs at least one resource.
    #[error("a waiter needs at least one resource")]
    NoResources,
    /// A capacity beyond what one resource can count (2³² − 1 units).
    #[error("resource {resource} has capacity {capacity}; at most 4294967295 units are supported")]
    CapacityTooLarge {
        /// The resource.
        resource: usize,
        /// Its capacity.
        capacity: usize,
    },
    /// A resource with no units could never be granted.
    #[error("resource {resource} has capacity 0; every resource needs at least 1")]
    ZeroCapacity {
        /// The resource.
        resource: usize,
    },
}

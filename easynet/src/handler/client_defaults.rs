//! Values every new client's context starts with, set in `service_init`: the seeds'
//! "context set in `service_init()` is copied to subsequent client tasks".

use std::any::{Any, TypeId};
use std::fmt;

/// A default value: cloned into each new client's context.
trait DefaultValue: Send + Sync {
    fn clone_boxed(&self) -> Box<dyn Any + Send>;
    fn as_any(&self) -> &dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: Clone + Send + Sync + 'static> DefaultValue for T {
    fn clone_boxed(&self) -> Box<dyn Any + Send> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// Typed values (one per type) that every new client's context starts with, each a
/// copy: a client that changes its value changes neither the default nor the other
/// clients' values. Set them with
/// [`ServiceContext::insert_client_default`](super::ServiceContext::insert_client_default).
///
/// ```
/// use easynet::handler::ClientDefaults;
/// let mut defaults = ClientDefaults::default();
/// assert!(defaults.is_empty());
/// defaults.insert(String::from("guest"));
/// assert_eq!(defaults.get::<String>().map(String::as_str), Some("guest"));
/// let copies: Vec<_> = defaults.copies().collect();
/// assert_eq!(copies.len(), 1);
/// ```
#[derive(Default)]
pub struct ClientDefaults {
    /// Few entries (set once, in `service_init`): a vector beats a map.
    values: Vec<(TypeId, Box<dyn DefaultValue>)>,
}

impl fmt::Debug for ClientDefaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientDefaults")
            .field("len", &self.values.len())
            .finish_non_exhaustive()
    }
}

impl ClientDefaults {
    /// Sets the default of type `T`, returning the previous one.
    pub fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        let id = TypeId::of::<T>();
        let new: Box<dyn DefaultValue> = Box::new(value);
        match self.values.iter_mut().find(|(t, _)| *t == id) {
            Some((_, slot)) => {
                let old = std::mem::replace(slot, new);
                old.into_any().downcast::<T>().ok().map(|b| *b)
            }
            None => {
                self.values.push((id, new));
                None
            }
        }
    }

    /// The default of type `T`, if set.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        let (_, value) = self.values.iter().find(|(t, _)| *t == id)?;
        (**value).as_any().downcast_ref::<T>()
    }

    /// Whether no default is set (then a new client's context allocates nothing).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A fresh copy of every default, keyed by type: what a new client's context
    /// starts with.
    pub fn copies(&self) -> impl Iterator<Item = (TypeId, Box<dyn Any + Send>)> + '_ {
        self.values.iter().map(|(id, v)| (*id, (**v).clone_boxed()))
    }
}

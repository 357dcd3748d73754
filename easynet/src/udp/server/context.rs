//! Per-client context reachable from anywhere inside a conversation (a task-local),
//! like easynetwork's `contextvars` integration.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;

use crate::handler::ClientDefaults;

tokio::task_local! {
    static CLIENT: ClientContext;
}

type Values = HashMap<TypeId, Box<dyn Any + Send>>;

/// The context of the client whose conversation is running.
///
/// Reachable from any function the handler calls, without passing it around. It lives
/// as long as the client's entry in the server: across consecutive conversations of a
/// client whose datagrams were queued, and dropped when the client has no conversation
/// left. Values are typed: one value per type, like `http::Extensions`.
///
/// A new client's context starts with a copy of each value set in `service_init` with
/// [`ServiceContext::insert_client_default`](crate::handler::ServiceContext::insert_client_default)
/// (the seeds' "context set in `service_init()` is copied to subsequent client tasks").
///
/// ```
/// use easynet::udp::server::ClientContext;
/// // Outside a conversation there is no context.
/// assert!(ClientContext::remote_addr().is_none());
/// assert!(ClientContext::try_with(|ctx| ctx.insert(1_u32)).is_none());
/// ```
#[derive(Debug)]
pub struct ClientContext {
    remote_addr: SocketAddr,
    /// `None` until a value is set: an empty context costs no allocation.
    values: RefCell<Option<Box<Values>>>,
}

impl ClientContext {
    /// A new client's context: a copy of each of `defaults` (set in `service_init`).
    pub(crate) fn new(remote_addr: SocketAddr, defaults: &ClientDefaults) -> Self {
        let values = (!defaults.is_empty()).then(|| Box::new(defaults.copies().collect()));
        Self {
            remote_addr,
            values: RefCell::new(values),
        }
    }

    /// Runs `f` with this context. Not an `async fn`: that would store `f` twice in
    /// the conversation's future (once as the argument, once inside the scope).
    pub(crate) fn scope<F: Future>(self, f: F) -> tokio::task::futures::TaskLocalFuture<Self, F> {
        CLIENT.scope(self, f)
    }

    /// Runs `f` with the current client's context; `None` outside a conversation.
    pub fn try_with<R>(f: impl FnOnce(&ClientContext) -> R) -> Option<R> {
        CLIENT.try_with(f).ok()
    }

    /// The current client's address; `None` outside a conversation.
    pub fn remote_addr() -> Option<SocketAddr> {
        Self::try_with(|ctx| ctx.remote_addr)
    }

    /// The address of this context's client.
    pub fn addr(&self) -> SocketAddr {
        self.remote_addr
    }

    /// Stores `value` for this client, returning the previous value of that type.
    pub fn insert<T: Send + 'static>(&self, value: T) -> Option<T> {
        let mut values = self.values.borrow_mut();
        let old = values
            .get_or_insert_with(Default::default)
            .insert(TypeId::of::<T>(), Box::new(value))?;
        old.downcast::<T>().ok().map(|b| *b)
    }

    /// A copy of this client's value of type `T`, if set.
    pub fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.with_value(|v: &mut T| v.clone())
    }

    /// Runs `f` on this client's value of type `T`, if set.
    pub fn with_value<T: 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut values = self.values.borrow_mut();
        let value = values.as_mut()?.get_mut(&TypeId::of::<T>())?;
        value.downcast_mut::<T>().map(f)
    }

    /// Removes and returns this client's value of type `T`.
    pub fn remove<T: 'static>(&self) -> Option<T> {
        let mut values = self.values.borrow_mut();
        let old = values.as_mut()?.remove(&TypeId::of::<T>())?;
        old.downcast::<T>().ok().map(|b| *b)
    }
}

//! The registry of request handlers by name.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{RequestError, RequestErrorKind};
use crate::handler::{AsyncRequestHandler, ErasedHandler, RequestHandler};
use crate::numbers::is_word_char;
use crate::parse::NameLookup;

/// One registered request.
#[derive(Clone, Debug)]
pub struct Entry {
    name: String,
    allow_python_syntax: bool,
    params: Vec<String>,
    inline: bool,
    handler: ErasedHandler,
}

impl Entry {
    /// The request name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `name(…)` calls are accepted (default: yes).
    pub fn allows_python_syntax(&self) -> bool {
        self.allow_python_syntax
    }

    /// The declared parameter names (for keyword arguments).
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// Whether a blocking handler runs on the request handler's own thread instead of a
    /// worker thread.
    pub fn is_inline(&self) -> bool {
        self.inline || matches!(self.handler, ErasedHandler::Async(_))
    }

    /// The handler.
    pub fn handler(&self) -> &ErasedHandler {
        &self.handler
    }
}

/// Request handlers by name. Build it, then hand it to a
/// [`Dispatcher`](crate::Dispatcher) or a request handler actor.
///
/// ```
/// use actors_requests::{Registry, Rest, Caller, ErrorMessage};
/// let mut requests = Registry::new();
/// requests.request("ping", || "pong");
/// requests.request("add", |a: i64, b: i64| a + b).params(["a", "b"]);
/// requests.request("whoami", |c: Caller| c.username.unwrap_or_default());
/// requests.request("sum", |xs: Rest<f64>| xs.0.iter().sum::<f64>());
/// requests.request("div", |a: f64, b: f64| {
///     if b == 0.0 { Err(ErrorMessage::new("cannot divide by zero")) } else { Ok(a / b) }
/// });
/// requests.request_async("later", |s: String| async move { s.to_uppercase() });
/// assert!(requests.validate().is_ok());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: HashMap<String, Arc<Entry>>,
    problems: Vec<RequestError>,
}

/// Options of a request being registered (returned by [`Registry::request`]).
pub struct RequestBuilder<'a> {
    registry: &'a mut Registry,
    name: String,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Register a blocking handler under `name` (replacing one of the same name). The name is
    /// what clients call; it must be a run of word characters (letters, digits, `_`).
    pub fn request<Args, M, H: RequestHandler<Args, M>>(
        &mut self,
        name: &str,
        handler: H,
    ) -> RequestBuilder<'_> {
        self.insert(name, ErasedHandler::blocking(handler))
    }

    /// Register an async handler under `name`.
    pub fn request_async<Args, M, H: AsyncRequestHandler<Args, M>>(
        &mut self,
        name: &str,
        handler: H,
    ) -> RequestBuilder<'_> {
        self.insert(name, ErasedHandler::future(handler))
    }

    fn insert(&mut self, name: &str, handler: ErasedHandler) -> RequestBuilder<'_> {
        if name.is_empty() || !name.chars().all(is_word_char) {
            self.problems.push(RequestError::new(
                RequestErrorKind::InvalidName,
                format!("{name:?} can never be called: a request name is a run of letters, digits and _"),
            ));
        }
        let entry = Entry {
            name: name.to_string(),
            allow_python_syntax: true,
            params: Vec::new(),
            inline: false,
            handler,
        };
        self.entries.insert(name.to_string(), Arc::new(entry));
        RequestBuilder {
            registry: self,
            name: name.to_string(),
        }
    }

    /// Remove a request; true if it existed.
    pub fn remove(&mut self, name: &str) -> bool {
        self.entries.remove(name).is_some()
    }

    /// The request called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Entry>> {
        self.entries.get(name)
    }

    /// All request names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.entries.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The first registration problem (a name that can never be called), if any.
    ///
    /// # Errors
    ///
    /// That problem, as a [`RequestError`](crate::RequestError).
    pub fn validate(&self) -> Result<(), RequestError> {
        self.problems.first().cloned().map_or(Ok(()), Err)
    }
}

impl NameLookup for Registry {
    fn lookup(&self, name: &str) -> Option<bool> {
        self.entries.get(name).map(|e| e.allow_python_syntax)
    }
}

impl RequestBuilder<'_> {
    fn edit(&mut self, f: impl FnOnce(&mut Entry)) -> &mut Self {
        if let Some(entry) = self.registry.entries.get_mut(&self.name) {
            f(Arc::make_mut(entry));
        }
        self
    }

    /// Accept or refuse the Python-call syntax `name(…)` for this request (refused calls get
    /// the syntax-error reply, as in the original).
    pub fn allow_python_syntax(&mut self, allow: bool) -> &mut Self {
        self.edit(|e| e.allow_python_syntax = allow)
    }

    /// Name the positional parameters, so that keyword arguments (`add(a=1, b=2)`) fill them.
    pub fn params<I, S>(&mut self, names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names = names.into_iter().map(Into::into).collect();
        self.edit(|e| e.params = names)
    }

    /// Run this blocking handler on the request handler's own thread instead of a worker
    /// thread (only for handlers that return at once).
    pub fn inline(&mut self, inline: bool) -> &mut Self {
        self.edit(|e| e.inline = inline)
    }
}

/// Register blocking handler functions under their own names (the original's default, where
/// a request is named after its function): `register!(requests, ping, add)` is
/// `requests.request("ping", ping); requests.request("add", add);`. Give another name with
/// [`Registry::request`].
///
/// ```
/// fn ping() -> &'static str { "pong" }
/// fn add(a: i64, b: i64) -> i64 { a + b }
/// let mut requests = actors_requests::Registry::new();
/// actors_requests::register!(requests, ping, add);
/// assert_eq!(requests.names(), ["add", "ping"]);
/// ```
#[macro_export]
macro_rules! register {
    ($registry:expr, $($handler:ident),+ $(,)?) => {
        $( $registry.request(stringify!($handler), $handler); )+
    };
}

/// [`register!`] for async handler functions.
///
/// ```
/// async fn shout(s: String) -> String { s.to_uppercase() }
/// let mut requests = actors_requests::Registry::new();
/// actors_requests::register_async!(requests, shout);
/// assert_eq!(requests.names(), ["shout"]);
/// ```
#[macro_export]
macro_rules! register_async {
    ($registry:expr, $($handler:ident),+ $(,)?) => {
        $( $registry.request_async(stringify!($handler), $handler); )+
    };
}

//! The builder methods of the configuration structs, written once.

/// Builder methods that each set one field of a configuration struct and return it.
///
/// `name(arg: Type)` sets the field `name` to `arg`; `name(arg: Type) = expr` sets it to
/// `expr` (`Some(arg)` for an optional field). Each method is documented as "Sets
/// [`name`](Self::name)."; attributes written before it (more docs, an example) follow, in a new paragraph.
macro_rules! setters {
    ($(
        $(#[$attr:meta])*
        $name:ident($arg:ident: $ty:ty) $(= $value:expr)?;
    )*) => {$(
        #[doc = concat!("Sets [`", stringify!($name), "`](Self::", stringify!($name), ").")]
        #[doc = ""]
        $(#[$attr])*
        pub fn $name(mut self, $arg: $ty) -> Self {
            self.$name = $crate::builder::setters!(@value $arg $(, $value)?);
            self
        }
    )*};
    (@value $arg:ident) => { $arg };
    (@value $arg:ident, $value:expr) => { $value };
}

pub(crate) use setters;

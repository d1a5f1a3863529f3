//! `#[guarded]` on a handler: the policy of its `Authorized<P>` (or `AuthorizedFeed<P>`,
//! `AuthorizedCaller<P>`) argument becomes `impl Guarded for <handler> { type Policy =
//! P; }`, so the registration (`guarded(handler)`) can put the roles of `P` into the
//! operation's OpenAPI security requirement. The permission is stated once, in the
//! signature; a handler without such an argument does not compile as guarded.
//!
//! Put it above `#[utoipa::path]` and the route attribute: it sees the function before
//! they turn it into a service.

use proc_macro::TokenStream;
use quote::quote;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type, parse_macro_input};

/// The extractors that carry a policy.
const GUARDS: [&str; 3] = ["Authorized", "AuthorizedFeed", "AuthorizedCaller"];

#[proc_macro_attribute]
pub fn guarded(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[guarded] takes no arguments: the policy is the handler's Authorized<P>",
        )
        .to_compile_error()
        .into();
    }
    let handler = parse_macro_input!(item as ItemFn);
    let name = &handler.sig.ident;
    let policy = handler.sig.inputs.iter().find_map(|input| match input {
        FnArg::Typed(arg) => policy_of(&arg.ty),
        FnArg::Receiver(_) => None,
    });
    let Some(policy) = policy else {
        return syn::Error::new_spanned(
            &handler.sig,
            "a guarded handler takes an Authorized<P>, AuthorizedFeed<P> or AuthorizedCaller<P>",
        )
        .to_compile_error()
        .into();
    };
    quote! {
        #handler

        impl crate::authz::Guarded for #name {
            type Policy = #policy;
        }
    }
    .into()
}

/// `P` of `Authorized<P>` (or another guard), by the type's last path segment.
fn policy_of(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if !GUARDS.contains(&last.ident.to_string().as_str()) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(policy) => Some(policy),
        _ => None,
    })
}

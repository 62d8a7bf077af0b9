//! The NL Design System (Utrecht) table every list in the UI uses: a scrolling region with a
//! label, the table with its caption and column headers, and the rows the caller gives.

use leptos::prelude::*;
use std::borrow::Cow;

/// One column header.
#[derive(Debug, Clone)]
pub struct Column {
    title: Cow<'static, str>,
    numeric: bool,
    hidden: bool,
}

impl Column {
    /// A column of text.
    pub const fn text(title: &'static str) -> Self {
        Column {
            title: Cow::Borrowed(title),
            numeric: false,
            hidden: false,
        }
    }

    /// A column of numbers (right-aligned).
    pub const fn numeric(title: &'static str) -> Self {
        Column {
            title: Cow::Borrowed(title),
            numeric: true,
            hidden: false,
        }
    }

    /// A column of text whose title is known only at run time.
    pub fn text_titled(title: String) -> Self {
        Column {
            title: Cow::Owned(title),
            numeric: false,
            hidden: false,
        }
    }

    /// A column of numbers whose title is known only at run time (a period from the backend).
    pub fn numeric_titled(title: String) -> Self {
        Column {
            title: Cow::Owned(title),
            numeric: true,
            hidden: false,
        }
    }

    /// A column whose header only screen readers read (e.g. "Actie" above buttons).
    pub const fn hidden(title: &'static str) -> Self {
        Column {
            title: Cow::Borrowed(title),
            numeric: false,
            hidden: true,
        }
    }
}

fn header(c: Column) -> impl IntoView {
    let title = c.title.into_owned();
    let class = if c.numeric {
        "utrecht-table__header-cell utrecht-table__header-cell--numeric-column"
    } else {
        "utrecht-table__header-cell"
    };
    if c.hidden {
        view! {
            <th class=class scope="col"><span class="zicht-visually-hidden">{title}</span></th>
        }
        .into_any()
    } else {
        view! { <th class=class scope="col">{title}</th> }.into_any()
    }
}

/// A table; `children` are its rows (`<tr class="utrecht-table__row …">`).
#[component]
pub fn DataTable(
    #[prop(into)] id: String,
    /// The column headers (a `const` slice, or built at run time).
    #[prop(into)]
    columns: Vec<Column>,
    /// The label of the scrolling region around the table; without it, no region.
    #[prop(optional, into)]
    region: Option<String>,
    #[prop(optional, into)] caption: Option<String>,
    /// Without the app's own table style (`zicht-table`).
    #[prop(optional)]
    bare: bool,
    children: Children,
) -> impl IntoView {
    let class = if bare {
        "utrecht-table utrecht-table--html-table"
    } else {
        "utrecht-table utrecht-table--html-table zicht-table"
    };
    let table = view! {
        <table class=class id=id>
            {caption.map(|c| view! { <caption class="utrecht-table__caption">{c}</caption> })}
            <thead class="utrecht-table__header">
                <tr class="utrecht-table__row">
                    {columns.into_iter().map(header).collect_view()}
                </tr>
            </thead>
            <tbody class="utrecht-table__body">{children()}</tbody>
        </table>
    };
    match region {
        Some(label) => view! {
            <div class="zicht-table-scroll" role="region" aria-label=label tabindex="0">{table}</div>
        }
        .into_any(),
        None => table.into_any(),
    }
}

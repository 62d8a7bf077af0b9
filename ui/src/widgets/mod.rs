//! Reusable pieces of markup in NL Design System (Utrecht) classes, shared by the screens.

mod advice;
mod alert;
mod bar_chart;
mod data_list;
mod form;
mod loadable;
mod signal_table;
mod table;

pub use advice::AdviceList;
pub use alert::{Banner, ErrorAlert, ErrorSummary};
pub use bar_chart::BarChart;
pub use data_list::DataItem;
pub use form::{
    field_error, CheckboxField, FieldErrorMessage, Fieldset, RadioField, SelectField,
    TextAreaField, TextField, ValueCheckbox,
};
pub use loadable::{ListCount, Loadable, Loading, LoadingMessage, LOADING};
pub use signal_table::SignalTable;
pub use table::{Column, DataTable};

//! A horizontal bar chart as inline SVG: per row its label, a bar and the published figure as
//! text beside it, so nothing is told by colour or length alone. A hidden figure (small-cell
//! suppression) gets no bar, only its text with an explaining `<title>`. Geometry is in
//! `logic::chart`: widths in %, heights in `em`, so the chart fills its container and its text
//! keeps the page's size at any zoom.

use crate::logic::chart::{em, layout, pct, summary, BAR_H_EM, HIDDEN_TITLE};
use leptos::prelude::*;
use zicht_model::Figure;

/// One bar per `(label, figure)`. `title` starts the chart's `aria-label`, which reads every
/// row (screen readers get the chart as one image; the table next to it has the same figures).
#[component]
pub fn BarChart(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    items: Vec<(String, Figure)>,
) -> impl IntoView {
    let label = summary(&title, &items);
    let chart = layout(&items);
    view! {
        <svg id=id class="zicht-chart" role="img" aria-label=label
            width="100%" height=em(chart.height_em) focusable="false">
            {chart.rows.into_iter().map(|r| {
                let bar = r.width_pct.filter(|w| *w > 0.0);
                view! {
                    <g class="zicht-chart__row">
                        <text class="zicht-chart__label" x="0" y=em(r.label_y_em)>{r.label}</text>
                        {bar.map(|w| view! {
                            <rect class="zicht-chart__bar" x="0" y=em(r.bar_y_em) width=pct(w) height=em(BAR_H_EM)/>
                        })}
                        <text class="zicht-chart__value" x=pct(r.text_x_pct)
                            dx=if bar.is_some() { "0.4em" } else { "0" } y=em(r.value_y_em)
                            data-hidden=r.hidden.then_some("true")>
                            {r.hidden.then(hidden_title)}
                            {r.text}
                            {r.hidden.then(|| view! { <tspan class="zicht-figure__marker">"*"</tspan> })}
                        </text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// The `<title>` of a hidden figure, built as an SVG element (`view!` would make a lone
/// `<title>` an HTML one).
fn hidden_title() -> impl IntoView {
    leptos::tachys::svg::title().child(HIDDEN_TITLE)
}

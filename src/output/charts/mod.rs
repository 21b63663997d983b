//! PNG charts of a sweep ([`sweep`]) and of a single run's services
//! ([`services`]), drawn with plotters into memory and written atomically
//! beside the CSVs. This module holds what they share: the font, the
//! palette, the legend, the time axis and the PNG encoder.
//!
//! Text uses the DejaVu Sans font bundled in `assets/fonts/` (Bitstream Vera
//! licence), so charts render the same on a machine without system fonts.
//! Charts draw the values the tables hold (rounded as written), never a
//! value the tables do not have; a chart with nothing to show is not drawn.

use crate::error::Error;
use crate::output::files::AtomicFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::Once;

pub mod series;
pub mod services;
pub mod sweep;

pub use series::{Envelope, EnvelopePoint, RunSeries};
pub use services::{write_service_chart, SERVICE_CHART};
pub use sweep::{write_all, ChartCell, ChartSet};

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1400, 800);

const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 28;
const AXIS_PX: u32 = 22;
const LABEL_PX: u32 = 20;
const LEGEND_PX: u32 = 18;
/// Width of the legend column at the right of every chart.
const LEGEND_WIDTH: u32 = 300;

/// 24 colours: Tableau 10, its lighter companions, and four darker tones,
/// so that up to 24 options each keep their own colour; the legend names
/// them all.
const PALETTE: [RGBColor; 24] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
    RGBColor(255, 152, 150),
    RGBColor(197, 176, 213),
    RGBColor(196, 156, 148),
    RGBColor(247, 182, 210),
    RGBColor(199, 199, 199),
    RGBColor(219, 219, 141),
    RGBColor(158, 218, 229),
    RGBColor(57, 59, 121),
    RGBColor(99, 121, 57),
    RGBColor(140, 109, 49),
    RGBColor(132, 60, 57),
];

/// The colour of option `i` (repeating only past 24).
pub(crate) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

type Drawn = Result<(), Box<dyn std::error::Error>>;
type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

static FONT_ONCE: Once = Once::new();

/// Registers the bundled font as plotters' `sans-serif`, once.
fn register_bundled_font() {
    FONT_ONCE.call_once(|| {
        // The bytes are a valid TrueType font, checked by the tests; if
        // registration failed, text would be missing, not the chart.
        let _ = register_font(FONT, FontStyle::Normal, include_bytes!("../../../assets/fonts/DejaVuSans.ttf"));
    });
}

/// Refuses data with a NaN or an infinity, which plotters cannot place (it
/// may panic on an axis range or draw nothing): an error naming the chart
/// and the series, never a panic.
pub(crate) fn check_finite(path: &Path, what: &str, values: impl IntoIterator<Item = f64>) -> Result<(), Error> {
    match values.into_iter().find(|v| !v.is_finite()) {
        None => Ok(()),
        Some(value) => Err(Error::Output {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!(
                "the chart's {what} holds {value}, not a finite number, so it is not drawn"
            )),
        }),
    }
}

/// Draws into an RGB buffer and writes it as a PNG, atomically. Default
/// compression: seven times smaller than the fast setting on these flat
/// images, and a fraction of the best setting's time.
fn render(path: &Path, draw: impl FnOnce(&Area) -> Drawn) -> Result<(), Error> {
    register_bundled_font();
    let failed = |message: String| Error::Output { path: path.to_path_buf(), source: std::io::Error::other(message) };
    let (width, height) = SIZE;
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        area.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
        draw(&area).map_err(|e| failed(format!("cannot draw the chart: {e}")))?;
        area.present().map_err(|e| failed(e.to_string()))?;
    }
    let mut file = AtomicFile::create(path)?;
    {
        let mut encoder = png::Encoder::new(file.writer(), width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Default);
        let mut writer = encoder.write_header().map_err(|e| failed(e.to_string()))?;
        writer.write_image_data(&pixels).map_err(|e| failed(e.to_string()))?;
        writer.finish().map_err(|e| failed(e.to_string()))?;
    }
    file.commit()
}

fn title_style() -> TextStyle<'static> {
    (FONT, TITLE_PX).into_font().color(&BLACK)
}

/// Splits a titled chart into its plot area and its legend column.
fn with_legend<'a>(area: &Area<'a>, title: &str) -> Result<(Area<'a>, Area<'a>), Box<dyn std::error::Error>> {
    let body = area.titled(title, title_style())?;
    let (width, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(width.saturating_sub(LEGEND_WIDTH)))
}

/// One legend entry: a swatch (line, dot or box) and its text.
#[derive(Debug, Clone)]
struct LegendEntry {
    colour: RGBColor,
    text: String,
    marker: Marker,
}

/// How a legend entry's swatch is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Line,
    Dot,
    Triangle,
    Square,
    Cross,
}

impl Marker {
    /// The marker of condition `c` in scatter charts.
    fn of_condition(c: usize) -> Marker {
        [Marker::Dot, Marker::Triangle, Marker::Square, Marker::Cross][c % 4]
    }
}

/// Draws a marker centred at pixel offset (0, 0) of an element.
fn marker_element<DB: DrawingBackend>(
    marker: Marker,
    colour: RGBColor,
    size: i32,
) -> DynElement<'static, DB, (i32, i32)> {
    match marker {
        Marker::Line => PathElement::new(vec![(-12, 0), (12, 0)], colour.stroke_width(4)).into_dyn(),
        Marker::Dot => Circle::new((0, 0), size, colour.filled()).into_dyn(),
        Marker::Triangle => TriangleMarker::new((0, 0), size + 2, colour.filled()).into_dyn(),
        Marker::Square => Rectangle::new([(-size, -size), (size, size)], colour.filled()).into_dyn(),
        Marker::Cross => Cross::new((0, 0), size, colour.stroke_width(3)).into_dyn(),
    }
}

/// Draws legend entries top-down in the legend column; past what fits, the
/// last line says how many more there are (the report's tables name them).
fn draw_legend(area: &Area, heading: &str, entries: &[LegendEntry]) -> Drawn {
    let style = (FONT, LEGEND_PX).into_font().color(&BLACK);
    let (_, height) = area.dim_in_pixel();
    let row = 26;
    area.draw(&Text::new(heading.to_string(), (10, 20), (FONT, LEGEND_PX + 2).into_font().color(&BLACK)))?;
    let fits = ((height as i32 - 60) / row).max(1) as usize;
    for (i, entry) in entries.iter().enumerate() {
        let y = 56 + row * i as i32;
        if i + 1 == fits && entries.len() > fits {
            area.draw(&Text::new(format!("… and {} more", entries.len() - i), (10, y - 8), style.clone()))?;
            break;
        }
        area.draw(&(EmptyElement::at((24, y)) + marker_element(entry.marker, entry.colour, 7)))?;
        let text: String = entry.text.chars().take(28).collect();
        area.draw(&Text::new(text, (44, y - 10), style.clone()))?;
    }
    Ok(())
}

/// The time axis: hours for runs up to three days, days beyond.
#[derive(Debug, Clone, Copy)]
struct TimeAxis {
    /// Divide hours by this.
    per_unit: f64,
    /// Axis description.
    label: &'static str,
    /// The axis end, in units.
    end: f64,
}

impl TimeAxis {
    fn for_hours(hours: f64) -> TimeAxis {
        let hours = hours.max(1e-3);
        if hours > 72.0 {
            TimeAxis { per_unit: 24.0, label: "Simulated time (days)", end: hours / 24.0 }
        } else {
            TimeAxis { per_unit: 1.0, label: "Simulated time (h)", end: hours }
        }
    }

    fn at(self, hours: f64) -> f64 {
        hours / self.per_unit
    }
}

/// Enough decimals to tell the ticks of an axis spanning `span` apart.
fn decimals_for(span: f64) -> usize {
    if span > 0.0 && span.is_finite() {
        (-(span / 10.0).log10()).ceil().clamp(0.0, 4.0) as usize
    } else {
        0
    }
}

/// A mesh in the charts' common style, with tick labels precise enough
/// for each axis's span.
fn style_mesh<'a, 'b, X, Y>(
    chart: &mut ChartContext<'a, BitMapBackend<'b>, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
) -> Drawn
where
    X: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let (x_range, y_range) = (chart.x_range(), chart.y_range());
    let x_decimals = decimals_for(x_range.end - x_range.start);
    let y_decimals = decimals_for(y_range.end - y_range.start);
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style((FONT, AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_label_formatter(&|x| format!("{x:.x_decimals$}"))
        .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_parses() {
        let bytes: &'static [u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
        assert!(register_font("ecs-sim-test", FontStyle::Normal, bytes).is_ok());
    }

    #[test]
    fn twenty_four_options_get_twenty_four_colours() {
        let mut colours: Vec<(u8, u8, u8)> = (0..24).map(|i| colour(i).rgb()).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), 24);
    }

    #[test]
    fn tick_labels_tell_ticks_apart() {
        assert_eq!(decimals_for(0.3), 2);
        assert_eq!(decimals_for(10.0), 0);
        assert_eq!(decimals_for(100.0), 0);
        assert_eq!(decimals_for(5.0), 1);
        assert_eq!(decimals_for(2.0), 1);
    }

    #[test]
    fn long_runs_are_drawn_in_days() {
        assert_eq!(TimeAxis::for_hours(48.0).label, "Simulated time (h)");
        let axis = TimeAxis::for_hours(28.0 * 24.0);
        assert_eq!((axis.label, axis.end, axis.at(36.0)), ("Simulated time (days)", 28.0, 1.5));
    }
}

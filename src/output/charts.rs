//! PNG charts of a sweep (and of a single run's services), drawn with plotters into memory and written
//! atomically beside the CSVs. Text uses the DejaVu Sans font bundled in
//! `assets/fonts/` (Bitstream Vera licence), so charts render the same on a
//! machine without system fonts.

use crate::error::Error;
use crate::output::files::{as_written, AtomicFile};
use crate::record::{ClusterSample, RunResult};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::Once;

/// The charts, as (file name, title).
pub const CHARTS: [(&str, &str); 4] = [
    ("cpu_memory_reservation.png", "Reserved CPU and memory over time"),
    ("instances_tasks.png", "Instances and running tasks over time"),
    ("cost_vs_availability.png", "Cost against availability"),
    ("task_wait.png", "Task wait distribution"),
];

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1200, 700);

const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 28;
const AXIS_PX: u32 = 22;
const LABEL_PX: u32 = 20;

/// Tableau 10: distinguishable, and readable in print.
const PALETTE: [RGBColor; 10] = [
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
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// One time-series sample of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Simulated time, hours.
    pub hours: f64,
    /// Registered container instances.
    pub instances: f64,
    /// Reserved CPU, percent of registered.
    pub cpu_pct: f64,
    /// Reserved memory, percent of registered.
    pub memory_pct: f64,
    /// Tasks in RUNNING.
    pub running_tasks: f64,
}

impl From<&ClusterSample> for Sample {
    /// What `timeseries.csv` says of the sample: whole seconds, percentages
    /// to two decimals, so a chart draws exactly what the table holds.
    fn from(sample: &ClusterSample) -> Sample {
        Sample {
            hours: as_written(sample.time.as_secs_f64(), 0) / 3600.0,
            instances: f64::from(sample.instances),
            cpu_pct: as_written(sample.cpu_reservation_pct(), 2),
            memory_pct: as_written(sample.memory_reservation_pct(), 2),
            running_tasks: sample.running_tasks as f64,
        }
    }
}

/// Task waits of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitData {
    /// Every placed task's wait in seconds, sorted (from `tasks.csv`).
    Samples(Vec<f64>),
    /// Only p50, p95 and p99 in seconds (when `tasks.csv` is off).
    Quantiles([Option<f64>; 3]),
}

/// What the charts show of one variant.
#[derive(Debug, Clone)]
pub struct ChartVariant {
    /// Its label.
    pub label: String,
    /// Mean cost across replications, USD.
    pub cost: Estimate,
    /// Mean availability across replications, percent.
    pub availability: Estimate,
    /// On the cost-against-availability Pareto front.
    pub pareto: bool,
    /// Replication 0's time series.
    pub samples: Vec<Sample>,
    /// Replication 0's task waits.
    pub waits: WaitData,
}

/// Everything the charts draw.
#[derive(Debug, Clone)]
pub struct ChartSet {
    /// Scenario name, used in titles.
    pub scenario: String,
    /// Variants in index order (their colour follows their position).
    pub variants: Vec<ChartVariant>,
}

type Drawn = Result<(), Box<dyn std::error::Error>>;
type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

static FONT_ONCE: Once = Once::new();

/// Registers the bundled font as plotters' `sans-serif`, once.
fn register_bundled_font() {
    FONT_ONCE.call_once(|| {
        // The bytes are a valid TrueType font, checked by the tests; if
        // registration failed, text would be missing, not the chart.
        let _ = register_font(FONT, FontStyle::Normal, include_bytes!("../../assets/fonts/DejaVuSans.ttf"));
    });
}

/// Writes every chart of [`CHARTS`] into `out`, in parallel when called in a
/// rayon pool. The bytes do not depend on the number of threads.
pub fn write_all(set: &ChartSet, out: &Path) -> Result<(), Error> {
    register_bundled_font();
    let ((a, b), (c, d)) = rayon::join(
        || {
            rayon::join(
                || render(&out.join(CHARTS[0].0), |area| reservation_chart(set, area)),
                || render(&out.join(CHARTS[1].0), |area| instances_chart(set, area)),
            )
        },
        || {
            rayon::join(
                || render(&out.join(CHARTS[2].0), |area| cost_availability_chart(set, area)),
                || render(&out.join(CHARTS[3].0), |area| wait_chart(set, area)),
            )
        },
    );
    a.and(b).and(c).and(d)
}

/// Draws into an RGB buffer and writes it as a PNG, atomically.
fn render(path: &Path, draw: impl FnOnce(&Area) -> Drawn) -> Result<(), Error> {
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
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(|e| failed(e.to_string()))?;
        writer.write_image_data(&pixels).map_err(|e| failed(e.to_string()))?;
        writer.finish().map_err(|e| failed(e.to_string()))?;
    }
    file.commit()
}

/// Draws the series legend in the charts' common style.
fn draw_legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(150, 150, 150))
        .label_font((FONT, LABEL_PX))
        .draw()?;
    Ok(())
}

fn title_style() -> TextStyle<'static> {
    (FONT, TITLE_PX).into_font().color(&BLACK)
}

fn max_hours(set: &ChartSet) -> f64 {
    set.variants.iter().filter_map(|v| v.samples.last()).map(|s| s.hours).fold(0.0, f64::max).max(1e-3)
}

/// A panel of one line per variant over simulated time.
fn time_panel(
    set: &ChartSet,
    area: &Area,
    y_desc: &str,
    value: fn(&Sample) -> f64,
    percent: bool,
    legend: bool,
    stacked: bool,
) -> Drawn {
    let y_max = if percent {
        100.0
    } else {
        let top = set.variants.iter().flat_map(|v| v.samples.iter().map(value)).fold(0.0, f64::max);
        (top * 1.1).max(1.0)
    };
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..max_hours(set), 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("Simulated time (h)")
        .y_desc(y_desc)
        .axis_desc_style((FONT, AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&|x| format!("{x:.1}"))
        .draw()?;
    for (i, variant) in set.variants.iter().enumerate() {
        // Stacked: earlier variants drawn wider, so equal lines stay visible.
        let width = if stacked { 2 + 3 * (set.variants.len() - 1 - i).min(4) as u32 } else { 2 };
        let style = colour(i).stroke_width(width);
        let series = chart.draw_series(LineSeries::new(variant.samples.iter().map(|s| (s.hours, value(s))), style))?;
        if legend {
            series
                .label(variant.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour(i).stroke_width(4)));
        }
    }
    if legend && !set.variants.is_empty() {
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }
    Ok(())
}

fn reservation_chart(set: &ChartSet, area: &Area) -> Drawn {
    let body = area
        .titled(&format!("{}: reserved CPU and memory (replication 0 of each variant)", set.scenario), title_style())?;
    let panels = body.split_evenly((2, 1));
    time_panel(set, &panels[0], "CPU reserved (% of registered)", |s| s.cpu_pct, true, true, false)?;
    time_panel(set, &panels[1], "Memory reserved (% of registered)", |s| s.memory_pct, true, false, false)
}

fn instances_chart(set: &ChartSet, area: &Area) -> Drawn {
    let body = area.titled(
        &format!("{}: instances and running tasks (replication 0 of each variant)", set.scenario),
        title_style(),
    )?;
    let panels = body.split_evenly((2, 1));
    time_panel(set, &panels[0], "Container instances", |s| s.instances, false, true, true)?;
    time_panel(set, &panels[1], "Running tasks", |s| s.running_tasks, false, false, false)
}

/// A range around `values` with some padding, never empty.
fn padded(low: f64, high: f64, min_span: f64) -> std::ops::Range<f64> {
    let span = (high - low).max(min_span);
    let middle = (low + high) / 2.0;
    (middle - span * 0.6)..(middle + span * 0.6)
}

fn cost_availability_chart(set: &ChartSet, area: &Area) -> Drawn {
    let body = area.titled(
        &format!("{}: mean cost against mean availability, 95 % confidence intervals", set.scenario),
        title_style(),
    )?;
    let lows = |f: fn(&ChartVariant) -> Estimate| {
        set.variants.iter().map(|v| f(v).mean - f(v).ci95).fold(f64::INFINITY, f64::min)
    };
    let highs = |f: fn(&ChartVariant) -> Estimate| {
        set.variants.iter().map(|v| f(v).mean + f(v).ci95).fold(f64::NEG_INFINITY, f64::max)
    };
    let (x_low, x_high) =
        if set.variants.is_empty() { (0.0, 100.0) } else { (lows(|v| v.availability), highs(|v| v.availability)) };
    let (y_low, y_high) = if set.variants.is_empty() { (0.0, 1.0) } else { (lows(|v| v.cost), highs(|v| v.cost)) };
    let x_range = padded(x_low, x_high, 0.2);
    let y_range = padded(y_low, y_high, (y_high.abs() * 0.02).max(0.02));
    let y_decimals = if y_range.end - y_range.start < 1.0 { 3 } else { 2 };
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .margin_right(40)
        .x_label_area_size(55)
        .y_label_area_size(110)
        .build_cartesian_2d(x_range, y_range)?;
    chart
        .configure_mesh()
        .x_desc("Availability (%): least available service, or RunTask tasks placed")
        .y_desc("Cost per run (USD)")
        .axis_desc_style((FONT, AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_label_formatter(&|x| format!("{x:.2}"))
        .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
        .draw()?;
    // The front, from the cheapest to the most available.
    let mut front: Vec<(f64, f64)> =
        set.variants.iter().filter(|v| v.pareto).map(|v| (v.availability.mean, v.cost.mean)).collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let front_style = RGBColor(40, 40, 40).stroke_width(3);
    chart
        .draw_series(LineSeries::new(front.clone(), front_style))?
        .label("Pareto front (ringed)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], front_style));
    chart.draw_series(front.iter().map(|&p| Circle::new(p, 14, RGBColor(40, 40, 40).stroke_width(3))))?;
    for (i, v) in set.variants.iter().enumerate() {
        let c = colour(i);
        let (x, y) = (v.availability.mean, v.cost.mean);
        chart.draw_series([ErrorBar::new_vertical(x, y - v.cost.ci95, y, y + v.cost.ci95, c.stroke_width(2), 12)])?;
        chart.draw_series([ErrorBar::new_horizontal(
            y,
            x - v.availability.ci95,
            x,
            x + v.availability.ci95,
            c.stroke_width(2),
            12,
        )])?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, y))
                    + Circle::new((0, 0), 8, c.filled())
                    + Text::new(
                        v.label.clone(),
                        (12, -28 - 22 * (i as i32 % 2)),
                        (FONT, LABEL_PX).into_font().color(&c),
                    ),
            ))?
            .label(if v.pareto { format!("{} (on the front)", v.label) } else { v.label.clone() })
            .legend(move |(x, y)| Circle::new((x + 12, y), 7, c.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// A variant's position, the variant and its CDF points.
type Curve<'a> = (usize, &'a ChartVariant, Vec<(f64, f64)>);

/// The empirical CDF of sorted waits as step points (seconds, percent).
fn cdf_steps(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut points = Vec::new();
    let mut previous = 0.0;
    for (i, &w) in sorted.iter().enumerate() {
        if sorted.get(i + 1) == Some(&w) {
            continue;
        }
        let share = 100.0 * (i + 1) as f64 / n;
        points.push((w, previous));
        points.push((w, share));
        previous = share;
    }
    points
}

fn wait_chart(set: &ChartSet, area: &Area) -> Drawn {
    let all_samples: Vec<(usize, &ChartVariant, &Vec<f64>)> = set
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match &v.waits {
            WaitData::Samples(waits) => Some((i, v, waits)),
            WaitData::Quantiles(_) => None,
        })
        .collect();
    if all_samples.len() < set.variants.len() || set.variants.is_empty() {
        return wait_quantile_chart(set, area);
    }
    let body = area.titled(
        &format!("{}: task wait, submission to placement (replication 0 of each variant)", set.scenario),
        title_style(),
    )?;
    let x_max = all_samples.iter().filter_map(|(_, _, w)| w.last()).fold(0.0, |a: f64, &b| a.max(b)).max(1.0);
    let curves: Vec<Curve> = all_samples.iter().map(|&(i, v, w)| (i, v, cdf_steps(w))).collect();
    // Start the y axis just below the share of tasks placed at once, so the tail is visible.
    let at_zero = curves.iter().filter_map(|(_, _, c)| c.get(1).map(|p| p.1)).fold(100.0, f64::min);
    let y_low = ((at_zero - 1.0) / 5.0).floor().clamp(0.0, 19.0) * 5.0;
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..x_max * 1.02, y_low..100.5)?;
    chart
        .configure_mesh()
        .x_desc("Wait before placement (s)")
        .y_desc("Placed tasks that waited at most this long (%)")
        .axis_desc_style((FONT, AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    for (i, variant, curve) in curves {
        chart
            .draw_series(LineSeries::new(curve, colour(i).stroke_width(3)))?
            .label(variant.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour(i).stroke_width(4)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// p50, p95 and p99 bars per variant, when per-task waits were not written.
fn wait_quantile_chart(set: &ChartSet, area: &Area) -> Drawn {
    let body = area
        .titled(&format!("{}: task wait percentiles (replication 0 of each variant)", set.scenario), title_style())?;
    let quantiles: Vec<[f64; 3]> = set
        .variants
        .iter()
        .map(|v| match &v.waits {
            WaitData::Quantiles(q) => q.map(|x| x.unwrap_or(0.0)),
            WaitData::Samples(w) => [0.5, 0.95, 0.99].map(|q| crate::stats::quantile_sorted(w, q).unwrap_or(0.0)),
        })
        .collect();
    let top = quantiles.iter().flatten().fold(0.0, |a: f64, &b| a.max(b)).max(1.0) * 1.15;
    let n = set.variants.len().max(1);
    let labels: Vec<String> = set.variants.iter().map(|v| v.label.clone()).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0.5..n as f64 + 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_desc("Variant")
        .y_desc("Wait before placement (s)")
        .axis_desc_style((FONT, AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 1.0 {
                labels.get(i as usize - 1).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    let shades = [RGBColor(158, 202, 225), RGBColor(49, 130, 189), RGBColor(8, 48, 107)];
    for (q, name) in ["p50", "p95", "p99"].iter().enumerate() {
        let colour = shades[q];
        chart
            .draw_series(quantiles.iter().enumerate().map(|(i, values)| {
                let left = i as f64 + 1.0 - 0.36 + 0.24 * q as f64;
                Rectangle::new([(left, 0.0), (left + 0.22, values[q])], colour.filled())
            }))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 20, y + 7)], colour.filled()));
        chart.draw_series(quantiles.iter().enumerate().map(|(i, values)| {
            let centre = i as f64 + 1.0 - 0.25 + 0.24 * q as f64;
            let style = (FONT, LABEL_PX).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
            Text::new(format!("{:.0}", values[q]), (centre, values[q] + top * 0.01), style)
        }))?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_parses() {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        assert!(register_font("ecs-sim-test", FontStyle::Normal, bytes).is_ok());
    }

    #[test]
    fn cdf_steps_rise_to_100_percent() {
        let steps = cdf_steps(&[0.0, 0.0, 1.0, 3.0]);
        assert_eq!(steps, [(0.0, 0.0), (0.0, 50.0), (1.0, 50.0), (1.0, 75.0), (3.0, 75.0), (3.0, 100.0)]);
    }
}

/// The chart `ecs-sim run` writes for a scenario with services.
pub const SERVICE_CHART: &str = "services.png";

/// One sample of a service; demand and served are absent without a demand curve.
#[derive(Debug, Clone, Copy)]
struct ServicePoint {
    hours: f64,
    demand: Option<f64>,
    served: Option<f64>,
    healthy: f64,
    desired: f64,
}

/// One service's samples.
#[derive(Debug, Default)]
struct ServiceLine {
    name: String,
    points: Vec<ServicePoint>,
}

/// Draws `services.png` into `out` from the run's service samples: demand
/// against served demand, and healthy against desired tasks, per service.
pub fn write_service_chart(scenario: &Scenario, result: &RunResult, out: &Path) -> Result<(), Error> {
    let mut lines: Vec<ServiceLine> =
        scenario.services.iter().map(|s| ServiceLine { name: s.def.name.clone(), points: Vec::new() }).collect();
    for sample in &result.service_samples {
        lines[sample.service].points.push(ServicePoint {
            hours: as_written(sample.time.as_secs_f64(), 0) / 3600.0,
            demand: sample.demand.map(|d| as_written(d, 3)),
            served: sample.served.map(|s| as_written(s, 3)),
            healthy: f64::from(sample.healthy),
            desired: f64::from(sample.desired),
        });
    }
    register_bundled_font();
    render(&out.join(SERVICE_CHART), |area| service_chart(&scenario.name, &lines, area))
}

fn service_chart(scenario: &str, lines: &[ServiceLine], area: &Area) -> Drawn {
    let body = area.titled(&format!("{scenario}: services (thin: demand and desired)"), title_style())?;
    let panels = body.split_evenly((2, 1));
    let hours = lines.iter().filter_map(|l| l.points.last()).map(|p| p.hours).fold(0.0, f64::max).max(1e-3);
    let top = |pick: fn(&ServicePoint) -> f64| {
        (lines.iter().flat_map(|l| l.points.iter().map(pick)).fold(0.0, f64::max) * 1.1).max(1.0)
    };
    let panel = |area: &Area,
                 y_desc: &str,
                 y_max: f64,
                 main: fn(&ServicePoint) -> Option<f64>,
                 reference: fn(&ServicePoint) -> Option<f64>|
     -> Drawn {
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(55)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..hours, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("Simulated time (h)")
            .y_desc(y_desc)
            .axis_desc_style((FONT, AXIS_PX))
            .label_style((FONT, LABEL_PX))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(215, 215, 215))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_label_formatter(&|x| format!("{x:.1}"))
            .draw()?;
        for (i, line) in lines.iter().enumerate() {
            let thin = colour(i).mix(0.5).stroke_width(1);
            chart.draw_series(LineSeries::new(
                line.points.iter().filter_map(|p| reference(p).map(|v| (p.hours, v))),
                thin,
            ))?;
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().filter_map(|p| main(p).map(|v| (p.hours, v))),
                    colour(i).stroke_width(2),
                ))?
                .label(line.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour(i).stroke_width(4)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
    };
    let demand_top = top(|p| p.demand.unwrap_or(0.0).max(p.served.unwrap_or(0.0)));
    panel(&panels[0], "Served demand", demand_top, |p| p.served, |p| p.demand)?;
    panel(&panels[1], "Healthy tasks", top(|p| p.healthy.max(p.desired)), |p| Some(p.healthy), |p| Some(p.desired))
}

//! A sweep's charts: each option under each condition, drawn from the
//! same means and confidence intervals as `comparison.csv`, and from series
//! averaged over the replications with their lowest and highest values.

use super::{
    colour, draw_legend, render, style_mesh, with_legend, Area, Drawn, Envelope, LegendEntry, Marker, RunSeries,
    TimeAxis, FONT, LABEL_PX,
};
use crate::error::Error;
use crate::stats::Estimate;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use serde::Serialize;
use std::path::Path;

/// Everything the sweep's charts draw, in option index order (an option's
/// colour follows its index, not its rank).
#[derive(Debug, Clone, Serialize)]
pub struct ChartSet {
    /// Scenario name, used in titles.
    pub scenario: String,
    /// Option labels.
    pub options: Vec<String>,
    /// Condition labels.
    pub conditions: Vec<String>,
    /// Option-major: the cell of option `o` under condition `c` is at `o × conditions + c`.
    pub cells: Vec<ChartCell>,
}

/// One option under one condition.
#[derive(Debug, Clone, Serialize)]
pub struct ChartCell {
    /// Option index.
    pub option: usize,
    /// Condition index.
    pub condition: usize,
    /// Cost, USD, as `comparison.csv` has it.
    pub cost: Estimate,
    /// Availability, percent, as `comparison.csv` has it.
    pub availability: Estimate,
    /// p95 task wait, seconds (none when no task was placed).
    pub task_wait_p95: Option<Estimate>,
    /// The option is on the cost-against-availability Pareto front.
    pub pareto: bool,
    /// Its series over the replications ([`RunSeries::across`]).
    #[serde(flatten)]
    pub series: RunSeries,
}

/// At most this many conditions get their own column in time charts.
const MAX_COLUMNS: usize = 4;

impl ChartSet {
    /// The charts this set draws, as (file name, title): a chart with
    /// nothing to show (no EC2 capacity, no service, no placed task) is left out.
    pub fn charts(&self) -> Vec<(&'static str, &'static str)> {
        let mut charts = vec![("cost_vs_availability.png", "Cost against availability")];
        if self.cells.iter().any(|c| !c.series.hourly_pct.is_empty()) {
            charts.push(("availability_timeline.png", "Availability hour by hour"));
        }
        charts.push(("instances_tasks.png", "Instances and running tasks over time"));
        if self.cells.iter().any(|c| c.series.ec2) {
            charts.push(("cpu_memory_reservation.png", "Reserved CPU and memory over time"));
        }
        if self.cells.iter().any(|c| c.task_wait_p95.is_some()) {
            charts.push(("task_wait.png", "Task wait p95"));
        }
        charts
    }

    /// Refuses a set with a NaN or infinite number in it ([`super::check_finite`]).
    fn check_finite(&self, path: &Path) -> Result<(), Error> {
        let estimate = |e: &Estimate| [e.mean, e.ci95];
        for cell in &self.cells {
            let label = &self.options[cell.option.min(self.options.len().saturating_sub(1))];
            let at = |what: &str| format!("{what} of option `{label}`");
            super::check_finite(path, &at("cost"), estimate(&cell.cost))?;
            super::check_finite(path, &at("availability"), estimate(&cell.availability))?;
            super::check_finite(path, &at("task wait"), cell.task_wait_p95.iter().flat_map(estimate))?;
            let series = &cell.series;
            for (what, envelope) in [
                ("instances", &series.instances),
                ("running tasks", &series.running_tasks),
                ("CPU reservation", &series.cpu_pct),
                ("memory reservation", &series.memory_pct),
            ] {
                let values = envelope.points.iter().flat_map(|p| [p.hours, p.mean, p.min, p.max]);
                super::check_finite(path, &at(what), values)?;
            }
            super::check_finite(path, &at("hourly availability"), series.hourly_pct.iter().flat_map(|&(h, p)| [h, p]))?;
        }
        Ok(())
    }

    fn cell(&self, option: usize, condition: usize) -> &ChartCell {
        &self.cells[option * self.conditions.len() + condition]
    }

    fn option_legend(&self, marker: Marker) -> Vec<LegendEntry> {
        self.options
            .iter()
            .enumerate()
            .map(|(i, o)| LegendEntry { colour: colour(i), text: o.clone(), marker })
            .collect()
    }

    fn hours(&self) -> f64 {
        self.cells.iter().map(|c| c.series.instances.end_hours()).fold(0.0, f64::max)
    }

    fn columns(&self) -> usize {
        self.conditions.len().clamp(1, MAX_COLUMNS)
    }
}

/// Writes the charts of [`ChartSet::charts`] into `out`, in parallel when
/// called in a rayon pool. The bytes do not depend on the number of threads.
pub fn write_all(set: &ChartSet, out: &Path) -> Result<(), Error> {
    use rayon::prelude::*;
    for (file, _) in set.charts() {
        set.check_finite(&out.join(file))?;
    }
    set.charts()
        .par_iter()
        .map(|&(file, _)| {
            let path = out.join(file);
            match file {
                "cost_vs_availability.png" => render(&path, |a| cost_availability_chart(set, a)),
                "availability_timeline.png" => render(&path, |a| timeline_chart(set, a)),
                "instances_tasks.png" => render(&path, |a| {
                    let panels = [
                        Panel { name: "Container instances", value: |c| &c.series.instances, percent: false },
                        Panel { name: "Running tasks", value: |c| &c.series.running_tasks, percent: false },
                    ];
                    time_chart(set, a, "instances and running tasks", &panels)
                }),
                "cpu_memory_reservation.png" => render(&path, |a| {
                    let panels = [
                        Panel { name: "CPU reserved (%)", value: |c| &c.series.cpu_pct, percent: true },
                        Panel { name: "Memory reserved (%)", value: |c| &c.series.memory_pct, percent: true },
                    ];
                    time_chart(set, a, "reserved CPU and memory", &panels)
                }),
                _ => render(&path, |a| wait_chart(set, a)),
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// A range around `low..high` with some padding, never empty, clamped to `domain`.
fn padded(low: f64, high: f64, min_span: f64, domain: (f64, f64)) -> std::ops::Range<f64> {
    let span = (high - low).max(min_span);
    let middle = (low + high) / 2.0;
    let (mut start, mut end) = (middle - span * 0.6, middle + span * 0.6);
    if end > domain.1 {
        start -= end - domain.1;
        end = domain.1;
    }
    start.max(domain.0)..end
}

fn cost_availability_chart(set: &ChartSet, area: &Area) -> Drawn {
    let title = format!("{}: mean cost against mean availability, 95 % confidence intervals", set.scenario);
    let (plot, legend) = with_legend(area, &title)?;
    let bounds = |f: fn(&ChartCell) -> Estimate| {
        let low = set.cells.iter().map(|c| f(c).mean - f(c).ci95).fold(f64::INFINITY, f64::min);
        let high = set.cells.iter().map(|c| f(c).mean + f(c).ci95).fold(f64::NEG_INFINITY, f64::max);
        if set.cells.is_empty() {
            (0.0, 1.0)
        } else {
            (low, high)
        }
    };
    let (x_low, x_high) = bounds(|c| c.availability);
    let (y_low, y_high) = bounds(|c| c.cost);
    let x_range = padded(x_low, x_high.min(100.0), 0.2, (0.0, 100.0));
    let y_range = padded(y_low, y_high, (y_high.abs() * 0.02).max(0.02), (f64::NEG_INFINITY, f64::INFINITY));
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(110)
        .build_cartesian_2d(x_range, y_range)?;
    style_mesh(&mut chart, "Availability (%): least available service, or RunTask tasks placed", "Cost per run (USD)")?;
    if set.conditions.len() == 1 {
        // The front, from the cheapest to the most available, ringed.
        let mut front: Vec<(f64, f64)> =
            set.cells.iter().filter(|c| c.pareto).map(|c| (c.availability.mean, c.cost.mean)).collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        chart.draw_series(LineSeries::new(front.clone(), RGBColor(40, 40, 40).stroke_width(2)))?;
        chart.draw_series(front.iter().map(|&p| Circle::new(p, 14, RGBColor(40, 40, 40).stroke_width(2))))?;
    }
    for cell in &set.cells {
        let c = colour(cell.option);
        let (x, y) = (cell.availability.mean, cell.cost.mean);
        chart.draw_series([ErrorBar::new_vertical(
            x,
            y - cell.cost.ci95,
            y,
            y + cell.cost.ci95,
            c.stroke_width(2),
            12,
        )])?;
        let (left, right) = (x - cell.availability.ci95, (x + cell.availability.ci95).min(100.0));
        chart.draw_series([ErrorBar::new_horizontal(y, left, x, right, c.stroke_width(2), 12)])?;
        let marker = Marker::of_condition(cell.condition);
        chart.draw_series(std::iter::once(EmptyElement::at((x, y)) + super::marker_element(marker, c, 8)))?;
    }
    let mut entries = set.option_legend(Marker::Line);
    if set.conditions.len() > 1 {
        entries.extend(set.conditions.iter().enumerate().map(|(i, label)| LegendEntry {
            colour: RGBColor(60, 60, 60),
            text: format!("under {label}"),
            marker: Marker::of_condition(i),
        }));
    } else {
        entries.push(LegendEntry {
            colour: RGBColor(40, 40, 40),
            text: "ringed: Pareto front".into(),
            marker: Marker::Line,
        });
    }
    draw_legend(&legend, "Options", &entries)
}

type Panel2d<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A panel over simulated time for one condition, captioned with it when
/// the sweep has several.
fn condition_panel<'a, 'b>(
    set: &ChartSet,
    area: &'a Area<'b>,
    column: usize,
    axis: TimeAxis,
    y: std::ops::Range<f64>,
    y_desc: &str,
) -> Result<Panel2d<'a, 'b>, Box<dyn std::error::Error>> {
    let caption = if set.conditions.len() > 1 { format!("under {}", set.conditions[column]) } else { String::new() };
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .margin_right(20)
        .caption(caption, (FONT, LABEL_PX))
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..axis.end, y)?;
    style_mesh(&mut chart, axis.label, y_desc)?;
    Ok(chart)
}

/// One row of a time chart: what it draws of each cell.
struct Panel {
    name: &'static str,
    value: fn(&ChartCell) -> &Envelope,
    percent: bool,
}

/// Rows of panels over time, one column per condition: each option's mean
/// over the replications, with the band between their lowest and highest
/// values when there are few options.
fn time_chart(set: &ChartSet, area: &Area, what: &str, panels: &[Panel]) -> Drawn {
    let title = format!("{}: {what}, mean over replications (band: lowest to highest)", set.scenario);
    let (plot, legend) = with_legend(area, &title)?;
    let columns = set.columns();
    let grid = plot.split_evenly((panels.len(), columns));
    let axis = TimeAxis::for_hours(set.hours());
    let bands = set.options.len() <= 6;
    for (row, panel) in panels.iter().enumerate() {
        let top = set.cells.iter().flat_map(|c| (panel.value)(c).points.iter().map(|p| p.max)).fold(0.0, f64::max);
        let y_max = if panel.percent { 100.0 } else { (top * 1.1).max(1.0) };
        for column in 0..columns {
            let area = &grid[row * columns + column];
            let mut chart = condition_panel(set, area, column, axis, 0.0..y_max, panel.name)?;
            for option in 0..set.options.len() {
                let envelope = (panel.value)(set.cell(option, column));
                if bands {
                    let upper = envelope.points.iter().map(|p| (axis.at(p.hours), p.max));
                    let lower = envelope.points.iter().rev().map(|p| (axis.at(p.hours), p.min));
                    let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
                    chart.draw_series(std::iter::once(Polygon::new(outline, colour(option).mix(0.15).filled())))?;
                }
                let line = envelope.points.iter().map(|p| (axis.at(p.hours), p.mean));
                chart.draw_series(LineSeries::new(line, colour(option).stroke_width(2)))?;
            }
        }
    }
    let mut heading = "Options".to_string();
    if set.conditions.len() > MAX_COLUMNS {
        heading = format!("Options (first {MAX_COLUMNS} conditions)");
    }
    draw_legend(&legend, &heading, &set.option_legend(Marker::Line))
}

/// Served share hour by hour, one panel per condition: the incidents the
/// run's mean hides.
fn timeline_chart(set: &ChartSet, area: &Area) -> Drawn {
    let title = format!("{}: served share of each hour, mean over replications", set.scenario);
    let (plot, legend) = with_legend(area, &title)?;
    let columns = set.columns();
    let grid = plot.split_evenly((1, columns));
    let axis = TimeAxis::for_hours(set.hours().max(1.0));
    let lowest = set.cells.iter().flat_map(|c| c.series.hourly_pct.iter().map(|&(_, p)| p)).fold(100.0, f64::min);
    // Clamped to the domain: never above 100 %.
    let y_low = ((lowest - 0.5) / 5.0).floor().clamp(0.0, 19.0) * 5.0;
    for (column, panel) in grid.iter().enumerate().take(columns) {
        let mut chart = condition_panel(set, panel, column, axis, y_low..100.0, "Served share of the hour (%)")?;
        for option in 0..set.options.len() {
            let points = set.cell(option, column).series.hourly_pct.iter().map(|&(h, p)| (axis.at(h), p.min(100.0)));
            chart.draw_series(LineSeries::new(points, colour(option).stroke_width(2)))?;
        }
    }
    draw_legend(&legend, "Options", &set.option_legend(Marker::Line))
}

/// p95 task wait per option, grouped by condition, with 95 % confidence
/// intervals: the figures of the table.
fn wait_chart(set: &ChartSet, area: &Area) -> Drawn {
    let title = format!("{}: task wait p95 (submission to placement), mean and 95 % CI", set.scenario);
    let (plot, legend) = with_legend(area, &title)?;
    let groups = set.conditions.len();
    let per_group = set.options.len().max(1);
    let top =
        set.cells.iter().filter_map(|c| c.task_wait_p95.map(|e| e.mean + e.ci95)).fold(0.0, f64::max).max(1.0) * 1.15;
    let conditions = set.conditions.clone();
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..groups as f64, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups * 2 + 1)
        .x_desc("Condition")
        .y_desc("Task wait p95 (s)")
        .axis_desc_style((FONT, super::AXIS_PX))
        .label_style((FONT, LABEL_PX))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_label_formatter(&|x| {
            let centre = x - x.floor();
            if (centre - 0.5).abs() < 1e-6 {
                conditions.get(x.floor() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    let width = 0.8 / per_group as f64;
    for cell in &set.cells {
        let Some(wait) = cell.task_wait_p95 else { continue };
        let left = cell.condition as f64 + 0.1 + width * cell.option as f64;
        let c = colour(cell.option);
        chart.draw_series([Rectangle::new([(left, 0.0), (left + width * 0.9, wait.mean)], c.filled())])?;
        let centre = left + width * 0.45;
        chart.draw_series([ErrorBar::new_vertical(
            centre,
            (wait.mean - wait.ci95).max(0.0),
            wait.mean,
            wait.mean + wait.ci95,
            BLACK.stroke_width(2),
            8,
        )])?;
    }
    draw_legend(&legend, "Options", &set.option_legend(Marker::Square))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(mean: f64) -> Estimate {
        Estimate { mean, ci95: 0.0, samples: 1 }
    }

    #[test]
    fn non_finite_data_is_an_error_not_a_panic() {
        let cell = ChartCell {
            option: 0,
            condition: 0,
            cost: estimate(f64::NAN),
            availability: estimate(99.0),
            task_wait_p95: Some(estimate(f64::INFINITY)),
            pareto: true,
            series: RunSeries::default(),
        };
        let set = ChartSet {
            scenario: "s".into(),
            options: vec!["a".into()],
            conditions: vec!["c".into()],
            cells: vec![cell.clone()],
        };
        let dir = tempfile::tempdir().unwrap();
        let err = write_all(&set, dir.path()).unwrap_err().to_string();
        assert!(err.contains("cost of option `a` holds NaN"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing is drawn");
        let wait = ChartSet { cells: vec![ChartCell { cost: estimate(1.0), ..cell }], ..set };
        let err = write_all(&wait, dir.path()).unwrap_err().to_string();
        assert!(err.contains("task wait of option `a` holds inf"), "{err}");
    }
}

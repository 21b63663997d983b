//! `services.png`: a single run's services over time (served against
//! demand, healthy against desired tasks) and its container instances, with
//! zone outages shaded and deployments and scaling activity marked.

use super::{colour, draw_legend, render, style_mesh, with_legend, Area, Drawn, LegendEntry, Marker, TimeAxis};
use crate::error::Error;
use crate::output::files::as_written;
use crate::record::RunResult;
use crate::scenario::Scenario;
use plotters::prelude::*;
use std::path::Path;

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

/// What the chart marks besides the series, in hours.
#[derive(Debug, Default)]
struct Marks {
    /// Zone outages: (start, end).
    outages: Vec<(f64, f64)>,
    /// Deployments created.
    deployments: Vec<f64>,
    /// Scaling activities.
    scaling: Vec<f64>,
}

const OUTAGE: RGBColor = RGBColor(250, 215, 215);
const DEPLOYMENT: RGBColor = RGBColor(90, 90, 90);
const SCALING: RGBColor = RGBColor(44, 160, 44);

/// Draws `services.png` into `out` from the run's service samples.
pub fn write_service_chart(scenario: &Scenario, result: &RunResult, out: &Path) -> Result<(), Error> {
    let mut lines: Vec<(String, Vec<ServicePoint>)> =
        scenario.services.iter().map(|s| (s.def.name.clone(), Vec::new())).collect();
    for sample in &result.service_samples {
        lines[sample.service].1.push(ServicePoint {
            hours: as_written(sample.time.as_secs_f64(), 0) / 3600.0,
            demand: sample.demand.map(|d| as_written(d, 3)),
            served: sample.served.map(|s| as_written(s, 3)),
            healthy: f64::from(sample.healthy),
            desired: f64::from(sample.desired),
        });
    }
    let instances: Vec<(f64, f64)> =
        result.samples.iter().map(|s| (as_written(s.time.as_secs_f64(), 0) / 3600.0, f64::from(s.instances))).collect();
    let end = scenario.duration.as_secs_f64() / 3600.0;
    let marks = Marks {
        outages: scenario
            .faults
            .az_outages
            .iter()
            .map(|o| (o.start.as_secs_f64() / 3600.0, o.end.as_secs_f64().min(end * 3600.0) / 3600.0))
            .collect(),
        deployments: result
            .deployments
            .iter()
            .filter(|d| d.event == "CREATED" && d.deployment > 1)
            .map(|d| d.time.as_secs_f64() / 3600.0)
            .collect(),
        scaling: result.scaling.iter().flatten().map(|s| s.time.as_secs_f64() / 3600.0).collect(),
    };
    let path = out.join(SERVICE_CHART);
    for (name, points) in &lines {
        let values = points
            .iter()
            .flat_map(|p| [p.hours, p.demand.unwrap_or(0.0), p.served.unwrap_or(0.0), p.healthy, p.desired]);
        super::check_finite(&path, &format!("series of service `{name}`"), values)?;
    }
    super::check_finite(&path, "instances", instances.iter().flat_map(|&(h, n)| [h, n]))?;
    let marked = marks.outages.iter().flat_map(|&(a, b)| [a, b]).chain(marks.deployments.iter().copied());
    super::check_finite(&path, "marks", marked.chain(marks.scaling.iter().copied()).chain([end]))?;
    render(&path, |area| service_chart(&scenario.name, &lines, &instances, &marks, end, area))
}

fn service_chart(
    scenario: &str,
    lines: &[(String, Vec<ServicePoint>)],
    instances: &[(f64, f64)],
    marks: &Marks,
    hours: f64,
    area: &Area,
) -> Drawn {
    let title = format!("{scenario}: services (thin: demand and desired) and instances");
    let (plot, legend) = with_legend(area, &title)?;
    let axis = TimeAxis::for_hours(hours);
    let panels = plot.split_evenly((3, 1));
    let top = |pick: &dyn Fn(&ServicePoint) -> f64| {
        (lines.iter().flat_map(|(_, p)| p.iter().map(pick)).fold(0.0, f64::max) * 1.1).max(1.0)
    };
    type Pick = fn(&ServicePoint) -> Option<f64>;
    let service_panel = |area: &Area, y_desc: &str, y_max: f64, main: Pick, reference: Pick| -> Drawn {
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..axis.end, 0.0..y_max)?;
        style_mesh(&mut chart, axis.label, y_desc)?;
        draw_marks(&mut chart, marks, axis, y_max)?;
        for (i, (_, points)) in lines.iter().enumerate() {
            let thin = colour(i).mix(0.5).stroke_width(1);
            chart.draw_series(LineSeries::new(
                points.iter().filter_map(|p| reference(p).map(|v| (axis.at(p.hours), v))),
                thin,
            ))?;
            chart.draw_series(LineSeries::new(
                points.iter().filter_map(|p| main(p).map(|v| (axis.at(p.hours), v))),
                colour(i).stroke_width(2),
            ))?;
        }
        Ok(())
    };
    let has_demand = lines.iter().any(|(_, p)| p.iter().any(|x| x.demand.is_some()));
    if has_demand {
        let demand_top = top(&|p| p.demand.unwrap_or(0.0).max(p.served.unwrap_or(0.0)));
        service_panel(&panels[0], "Served demand", demand_top, |p| p.served, |p| p.demand)?;
    } else {
        // No demand curve: availability is healthy over desired, drawn below.
        let ratio_top = 110.0;
        service_panel(
            &panels[0],
            "Healthy ÷ desired (%)",
            ratio_top,
            |p| Some(if p.desired > 0.0 { (100.0 * p.healthy / p.desired).min(100.0) } else { 100.0 }),
            |_| None,
        )?;
    }
    service_panel(
        &panels[1],
        "Healthy tasks",
        top(&|p| p.healthy.max(p.desired)),
        |p| Some(p.healthy),
        |p| Some(p.desired),
    )?;
    let instance_top = (instances.iter().map(|&(_, n)| n).fold(0.0, f64::max) * 1.1).max(1.0);
    let mut chart = ChartBuilder::on(&panels[2])
        .margin(8)
        .margin_right(20)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..axis.end, 0.0..instance_top)?;
    style_mesh(&mut chart, axis.label, "Container instances")?;
    draw_marks(&mut chart, marks, axis, instance_top)?;
    chart.draw_series(LineSeries::new(instances.iter().map(|&(h, n)| (axis.at(h), n)), BLACK.stroke_width(2)))?;
    let mut entries: Vec<LegendEntry> = lines
        .iter()
        .enumerate()
        .map(|(i, (name, _))| LegendEntry { colour: colour(i), text: name.clone(), marker: Marker::Line })
        .collect();
    entries.push(LegendEntry { colour: BLACK, text: "container instances".into(), marker: Marker::Line });
    if !marks.outages.is_empty() {
        entries.push(LegendEntry { colour: OUTAGE, text: "zone outage".into(), marker: Marker::Square });
    }
    if !marks.deployments.is_empty() {
        entries.push(LegendEntry { colour: DEPLOYMENT, text: "deployment".into(), marker: Marker::Line });
    }
    if !marks.scaling.is_empty() {
        entries.push(LegendEntry { colour: SCALING, text: "scaling activity".into(), marker: Marker::Line });
    }
    draw_legend(&legend, "Services", &entries)
}

/// Shades outages and draws deployment lines and scaling ticks.
fn draw_marks<'a>(
    chart: &mut ChartContext<
        'a,
        BitMapBackend<'a>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    marks: &Marks,
    axis: TimeAxis,
    y_max: f64,
) -> Drawn {
    chart.draw_series(
        marks
            .outages
            .iter()
            .map(|&(start, end)| Rectangle::new([(axis.at(start), 0.0), (axis.at(end), y_max)], OUTAGE.filled())),
    )?;
    for &at in &marks.deployments {
        chart.draw_series(LineSeries::new([(axis.at(at), 0.0), (axis.at(at), y_max)], DEPLOYMENT.stroke_width(2)))?;
    }
    chart.draw_series(marks.scaling.iter().map(|&at| {
        PathElement::new(vec![(axis.at(at), y_max * 0.97), (axis.at(at), y_max)], SCALING.stroke_width(2))
    }))?;
    Ok(())
}

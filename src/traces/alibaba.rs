//! The Alibaba batch trace layouts.
//!
//! **2018** (`batch_task` as sampled by `spar`, no header):
//! `arrival_s, job_id, task_name, duration_s, plan_cpu, plan_mem, instance_num`.
//! `plan_cpu` 100 is one core, so CPU units = `plan_cpu / 100 × 1024` (not a
//! share of a machine); `plan_mem` is a percentage of a machine's memory, so
//! MiB = `plan_mem / 100 × machine_memory_mib`. The task name gives the task's
//! node in its job's DAG (see [`parse_task_name`]).
//!
//! **2017** (`jobs.csv` from CloudSimPy, header
//! `,submit_time,duration,cpu,memory,job_id,task_id,instances_num,disk`):
//! seconds (possibly fractional), `cpu` in cores per instance (× 1024),
//! `memory` as a 0–1 share of a machine (× `machine_memory_mib`). No DAG.

use super::fields::{count, expect_fields, number, optional_number, text};
use super::{RawRow, RowError, UnitMapping};
use crate::error::{best_match, InputError};
use std::path::Path;

/// The 2018 columns, in file order.
pub const COLUMNS_2018: [&str; 7] =
    ["arrival_s", "job_id", "task_name", "duration_s", "plan_cpu", "plan_mem", "instance_num"];

/// The 2017 columns the reader uses (the file also has a leading row index and `disk`).
pub const COLUMNS_2017: [&str; 7] = ["submit_time", "duration", "cpu", "memory", "job_id", "task_id", "instances_num"];

/// Splits an Alibaba 2018 task name into its DAG node name and the node names
/// it depends on, all within the same job.
///
/// `M5_3_4` is node `"5"`, waiting for `"3"` and `"4"`; `R2_1` is `"2"`
/// waiting for `"1"`; `M1` is `"1"` with no dependencies. Leading letters (the
/// task type, `M`, `R`, `J`, ...) are ignored and leading zeros dropped, so
/// `M05` and `R5` are both node `"5"`. A name that is not letters followed by
/// `digits(_digits)*`, such as `task_LTENNjUx...` or `MergeTask`, is its own
/// node name and has no dependencies. A node listed as its own dependency, or
/// listed twice, counts once and never against itself.
pub fn parse_task_name(task_name: &str) -> (String, Vec<String>) {
    let digits = task_name.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let mut parts = digits.split('_');
    let well_formed = !digits.is_empty()
        && digits.split('_').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return (task_name.to_string(), Vec::new());
    }
    let node = canonical(parts.next().unwrap_or(""));
    let mut depends_on: Vec<String> = Vec::new();
    for part in parts {
        let dependency = canonical(part);
        if dependency != node && !depends_on.contains(&dependency) {
            depends_on.push(dependency);
        }
    }
    (node, depends_on)
}

/// A node number without leading zeros (`"007"` → `"7"`, `"0"` stays).
fn canonical(number: &str) -> String {
    let trimmed = number.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }.to_string()
}

const LAYOUT_2018: &str = "arrival_s,job_id,task_name,duration_s,plan_cpu,plan_mem,instance_num with no header line";

/// Reads one 2018 row.
pub(super) fn parse_2018(record: &csv::StringRecord, units: &UnitMapping) -> Result<RawRow, RowError> {
    expect_fields(record, COLUMNS_2018.len(), LAYOUT_2018)?;
    let arrival = number(record, 0, COLUMNS_2018[0]).map_err(|mut e| {
        if record.position().is_some_and(|p| p.line() == 1) {
            e.help = "Alibaba 2018 traces have no header line; delete it if line 1 names the columns".into();
        }
        e
    })?;
    let job = text(record, 1);
    let task_name = text(record, 2);
    let duration = number(record, 3, COLUMNS_2018[3])?;
    let plan_cpu = optional_number(record, 4, COLUMNS_2018[4])?;
    let plan_mem = optional_number(record, 5, COLUMNS_2018[5])?;
    let instances = count(record, 6, COLUMNS_2018[6])?;
    let (name, depends_on) = match task_name {
        Some(task_name) => {
            let (name, depends_on) = parse_task_name(&task_name);
            (Some(name), depends_on)
        }
        None => (None, Vec::new()),
    };
    Ok(RawRow {
        submit_ms: arrival * 1000.0,
        duration_ms: duration * 1000.0,
        cpu: plan_cpu.map(|cpu| cpu / 100.0 * 1024.0),
        memory: plan_mem.map(|mem| mem / 100.0 * f64::from(units.machine_memory_mib)),
        count: instances,
        job,
        name,
        depends_on,
        task_definition: None,
        group: None,
    })
}

/// Where the 2017 columns are in a file's header.
pub(super) struct Columns2017 {
    indices: [usize; 7],
    fields: usize,
}

impl Columns2017 {
    /// Finds the columns by name in the header.
    pub(super) fn resolve(path: &Path, header: &csv::StringRecord) -> Result<Columns2017, InputError> {
        let mut indices = [0; 7];
        for (slot, column) in COLUMNS_2017.iter().enumerate() {
            let Some(index) = header.iter().position(|name| name == *column) else {
                let err = InputError::new(path, format!("the header has no `{column}` column")).at("line 1");
                let expected = "an Alibaba 2017 jobs.csv header is `,submit_time,duration,cpu,memory,job_id,task_id,\
                                instances_num,disk`";
                return Err(match best_match(column, header.iter()) {
                    Some(near) => err.help(format!("is `{near}` meant to be `{column}`? {expected}")),
                    None => err.help(expected),
                });
            };
            indices[slot] = index;
        }
        Ok(Columns2017 { indices, fields: header.len() })
    }

    /// Reads one 2017 row.
    pub(super) fn parse(&self, record: &csv::StringRecord, units: &UnitMapping) -> Result<RawRow, RowError> {
        expect_fields(record, self.fields, "as wide as the header")?;
        let [submit, duration, cpu, memory, job, task, instances] = self.indices;
        let submit = number(record, submit, COLUMNS_2017[0])?;
        let duration = number(record, duration, COLUMNS_2017[1])?;
        let cpu = optional_number(record, cpu, COLUMNS_2017[2])?;
        let memory = optional_number(record, memory, COLUMNS_2017[3])?;
        let instances = count(record, instances, COLUMNS_2017[6])?;
        Ok(RawRow {
            submit_ms: submit * 1000.0,
            duration_ms: duration * 1000.0,
            cpu: cpu.map(|cores| cores * 1024.0),
            memory: memory.map(|share| share * f64::from(units.machine_memory_mib)),
            count: instances,
            job: text(record, job),
            name: text(record, task),
            depends_on: Vec::new(),
            task_definition: None,
            group: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_task_name;

    fn parsed(name: &str) -> (String, Vec<String>) {
        parse_task_name(name)
    }

    #[test]
    fn task_names_give_dag_nodes() {
        assert_eq!(parsed("M5_3_4"), ("5".into(), vec!["3".into(), "4".into()]));
        assert_eq!(parsed("R2_1"), ("2".into(), vec!["1".into()]));
        assert_eq!(parsed("M1"), ("1".into(), vec![]));
        assert_eq!(parsed("J07_03_3_7"), ("7".into(), vec!["3".into()]));
        assert_eq!(parsed("task_LTENNjUxMjgNNDYNMDINNjAzNzU="), ("task_LTENNjUxMjgNNDYNMDINNjAzNzU=".into(), vec![]));
        assert_eq!(parsed("MergeTask"), ("MergeTask".into(), vec![]));
        assert_eq!(parsed("task_12"), ("task_12".into(), vec![]));
        assert_eq!(parsed("M3__4"), ("M3__4".into(), vec![]));
        assert_eq!(parsed("12_3"), ("12".into(), vec!["3".into()]));
    }
}

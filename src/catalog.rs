//! Catalog of EC2 instance types and Fargate task sizes and prices.
//!
//! # Sources
//!
//! * **EC2 instance specifications** (vCPU count, memory, maximum number of
//!   network interfaces, architecture) come from the AWS EC2 documentation
//!   ("Amazon EC2 instance types" specifications tables). Prices are the
//!   us-east-1 Linux on-demand prices in USD per hour published on the EC2
//!   On-Demand pricing page.
//! * **awsvpc ENI trunking limits** (`awsvpc_trunk_tasks`) come from the ECS
//!   developer guide page "Elastic network interface trunking"
//!   (`container-instance-eni`), which lists, per supported instance type,
//!   how many awsvpc tasks an instance can run when trunking is enabled.
//!   Burstable types (t3, t4g) do not support trunking; an empty field means
//!   "not supported".
//! * **Registered memory** is an inference, not published data. The ECS agent
//!   registers the instance's `MemTotal`, which is below the nominal memory
//!   because the kernel reserves some of it (an m4.large with 8 GiB registers
//!   7985 MiB). The built-in catalog models it as
//!   `floor(memory_mib × 0.975)` (8192 MiB → 7987 MiB). A user CSV can give
//!   exact measured values; leaving the field empty in a user CSV applies the
//!   same 0.975 rule.
//! * **Fargate** task sizes are the valid Linux CPU/memory combinations from
//!   the ECS developer guide ("Task CPU and memory"); prices are the
//!   us-east-1 Linux Fargate prices per vCPU-hour and GB-hour for x86 and ARM
//!   (Graviton) from the Fargate pricing page.
//!
//! The built-in table lives in `data/instance_types.csv` and is compiled in.
//! Users can add types or override built-in figures with a CSV of the same
//! header through [`Catalog::extend_from_csv`].

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The built-in instance type table, compiled into the binary.
const BUILTIN_CSV: &str = include_str!("../data/instance_types.csv");

/// Origin reported in errors about the built-in table.
const BUILTIN_ORIGIN: &str = "built-in data/instance_types.csv";

/// The columns every catalog CSV must have, in the canonical order.
const COLUMNS: [&str; 8] = [
    "instance_type",
    "vcpu",
    "memory_mib",
    "registered_memory_mib",
    "max_enis",
    "awsvpc_trunk_tasks",
    "architecture",
    "price_per_hour",
];

// Indexes into `COLUMNS`.
const COL_NAME: usize = 0;
const COL_VCPU: usize = 1;
const COL_MEMORY: usize = 2;
const COL_REGISTERED: usize = 3;
const COL_ENIS: usize = 4;
const COL_TRUNK: usize = 5;
const COL_ARCH: usize = 6;
const COL_PRICE: usize = 7;

/// Fraction of nominal memory the ECS agent is assumed to register when the
/// CSV does not give it, expressed in thousandths (0.975).
const REGISTERED_MEMORY_PER_MILLE: u64 = 975;

/// CPU architecture of an instance type or Fargate task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Ord, PartialOrd, Hash)]
pub enum Architecture {
    /// 64-bit x86 (Intel or AMD).
    X86_64,
    /// 64-bit ARM (AWS Graviton).
    Arm64,
}

impl Architecture {
    /// The name used in catalog files: `"x86_64"` or `"arm64"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Architecture {
    type Err = String;

    /// Parses `"x86_64"` or `"arm64"`; the error says which values are valid.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            other => Err(format!("architecture `{other}` is not known; write x86_64 or arm64")),
        }
    }
}

/// One EC2 instance type as the simulator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    /// EC2 name, e.g. `m5.large`.
    pub name: String,
    /// Number of vCPUs.
    pub vcpu: u32,
    /// Nominal memory in MiB.
    pub memory_mib: u32,
    /// Memory the ECS agent registers for tasks, in MiB (at most `memory_mib`).
    pub registered_memory_mib: u32,
    /// Maximum number of network interfaces, including the primary one.
    pub max_enis: u32,
    /// awsvpc tasks per instance with ENI trunking, or `None` when the type
    /// does not support trunking.
    pub awsvpc_trunk_tasks: Option<u32>,
    /// CPU architecture.
    pub architecture: Architecture,
    /// On-demand price in USD per hour.
    pub price_per_hour: f64,
}

impl InstanceType {
    /// CPU units the ECS agent registers: 1024 per vCPU.
    pub fn registered_cpu_units(&self) -> u32 {
        self.vcpu.saturating_mul(1024)
    }

    /// awsvpc tasks the instance can host: with trunking (when supported) the
    /// trunk limit, else `max_enis - 1` (the primary ENI is the instance's own).
    pub fn awsvpc_task_limit(&self, trunking_enabled: bool) -> u32 {
        match (trunking_enabled, self.awsvpc_trunk_tasks) {
            (true, Some(trunk)) => trunk,
            _ => self.max_enis.saturating_sub(1),
        }
    }
}

/// A set of instance types, looked up by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Kept sorted by name, with unique names, so lookups can binary search.
    types: Vec<InstanceType>,
}

impl Catalog {
    /// The built-in catalog parsed from the compiled-in
    /// `data/instance_types.csv`.
    ///
    /// # Panics
    ///
    /// Never in practice: the data is compiled in and a unit test proves it
    /// parses.
    pub fn builtin() -> Catalog {
        let mut catalog = Catalog { types: Vec::new() };
        if let Err(e) = catalog.extend_from_reader(BUILTIN_CSV.as_bytes(), BUILTIN_ORIGIN) {
            panic!("the built-in instance type table is invalid (a unit test checks it): {e}");
        }
        catalog
    }

    /// Adds or replaces types from a user CSV with the same header as the
    /// built-in table. Rows naming an existing type replace it.
    ///
    /// Returns the number of data rows read. On error nothing is changed.
    pub fn extend_from_csv(&mut self, path: &Path) -> Result<usize, CatalogError> {
        let origin = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| CatalogError {
            origin: origin.clone(),
            line: None,
            message: format!("cannot open the instance type file: {e}"),
        })?;
        self.extend_from_reader(file, &origin)
    }

    /// Like [`Catalog::extend_from_csv`], reading CSV text from `reader`;
    /// `origin` names the source in error messages (usually a file path).
    ///
    /// Returns the number of data rows read. On error nothing is changed.
    pub fn extend_from_reader<R: std::io::Read>(&mut self, reader: R, origin: &str) -> Result<usize, CatalogError> {
        let rows = parse_csv(reader, origin)?;
        let count = rows.len();
        for row in rows {
            match self.position(&row.name) {
                Ok(i) => self.types[i] = row,
                Err(i) => self.types.insert(i, row),
            }
        }
        Ok(count)
    }

    /// The instance type with exactly this name.
    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.position(name).ok().map(|i| &self.types[i])
    }

    /// Number of instance types.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the catalog has no instance types.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// All instance types, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &InstanceType> {
        self.types.iter()
    }

    /// The closest known type name, for "did you mean" messages, or `None`
    /// when no name is reasonably close (edit distance at most 2, or a third
    /// of the name's length for long names; case is ignored).
    pub fn suggest(&self, name: &str) -> Option<&str> {
        closest(name, self.types.iter().map(|t| t.name.as_str()))
    }

    /// Binary search for `name` in the sorted vector.
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.types.binary_search_by(|t| t.name.as_str().cmp(name))
    }
}

/// The candidate closest to `name` by Damerau-Levenshtein distance (case
/// ignored), if it is reasonably close. Ties go to the first candidate.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = name.trim().to_ascii_lowercase();
    if wanted.is_empty() {
        return None;
    }
    let limit = (wanted.chars().count() / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&wanted, &candidate.to_ascii_lowercase());
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// An error reading a catalog CSV: where it happened and how to fix it.
#[derive(Debug)]
pub struct CatalogError {
    /// The file (or other source) being read.
    pub origin: String,
    /// 1-based line in the file, when the error concerns one line.
    pub line: Option<u64>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}: {}", self.origin, line, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for CatalogError {}

/// Parses and validates a whole catalog CSV without touching any catalog.
fn parse_csv<R: std::io::Read>(reader: R, origin: &str) -> Result<Vec<InstanceType>, CatalogError> {
    let error = |line: Option<u64>, message: String| CatalogError { origin: origin.to_string(), line, message };
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line());
        error(line, format!("cannot read the CSV: {e}"))
    };

    let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(reader);

    let header = csv.headers().map_err(csv_error)?.clone();
    let columns = column_positions(&header).map_err(|message| error(Some(1), message))?;

    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in csv.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(error(
                Some(line),
                format!(
                    "has {} fields but the header has {}; every row needs the columns {}",
                    record.len(),
                    header.len(),
                    COLUMNS.join(",")
                ),
            ));
        }
        let field = |col: usize| &record[columns[col]];
        let row = parse_row(field).map_err(|message| error(Some(line), message))?;
        if let Some(first) = seen.insert(row.name.clone(), line) {
            return Err(error(
                Some(line),
                format!("instance type `{}` is already defined on line {first}; keep one row per type", row.name),
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Maps each expected column to its position in `header`, rejecting unknown,
/// duplicate and missing columns.
fn column_positions(header: &csv::StringRecord) -> Result<[usize; 8], String> {
    let expected = COLUMNS.join(",");
    let mut positions = [None; 8];
    for (i, name) in header.iter().enumerate() {
        // A UTF-8 byte order mark may precede the first column name.
        let name = name.trim_start_matches('\u{feff}');
        let Some(col) = COLUMNS.iter().position(|c| *c == name) else {
            let hint =
                closest(name, COLUMNS.iter().copied()).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            return Err(format!("unknown column `{name}`{hint}; the header must be {expected}"));
        };
        if positions[col].replace(i).is_some() {
            return Err(format!("column `{name}` appears twice; the header must be {expected}"));
        }
    }
    let missing: Vec<&str> = COLUMNS.iter().zip(positions).filter(|(_, p)| p.is_none()).map(|(c, _)| *c).collect();
    if !missing.is_empty() {
        return Err(format!("missing column(s) {}; the header must be {expected}", missing.join(", ")));
    }
    Ok(positions.map(|p| p.unwrap_or_default()))
}

/// Parses one data row; `field` returns the trimmed text of a column (by
/// index into [`COLUMNS`]). The error message names the column.
fn parse_row<'r>(field: impl Fn(usize) -> &'r str) -> Result<InstanceType, String> {
    let name = field(COL_NAME);
    if name.is_empty() {
        return Err("instance_type is empty; write a name, e.g. m5.large".to_string());
    }
    if name.chars().any(char::is_whitespace) {
        return Err(format!("instance_type `{name}` contains whitespace; write a name like m5.large"));
    }

    let vcpu = parse_whole(COL_VCPU, field(COL_VCPU), "2")?;
    if vcpu == 0 {
        return Err("vcpu must be at least 1".to_string());
    }
    let memory_mib = parse_whole(COL_MEMORY, field(COL_MEMORY), "8192")?;
    if memory_mib == 0 {
        return Err("memory_mib must be at least 1 (MiB, e.g. 8192 for 8 GiB)".to_string());
    }
    let registered_memory_mib = match field(COL_REGISTERED) {
        "" => default_registered_memory(memory_mib),
        text => parse_whole(COL_REGISTERED, text, "7987")?,
    };
    if registered_memory_mib > memory_mib {
        return Err(format!(
            "registered_memory_mib {registered_memory_mib} is larger than memory_mib {memory_mib}; \
             write at most {memory_mib}, or leave it empty to use 97.5% of memory_mib"
        ));
    }
    let max_enis = parse_whole(COL_ENIS, field(COL_ENIS), "3")?;
    if max_enis == 0 {
        return Err("max_enis must be at least 1 (the primary network interface)".to_string());
    }
    let awsvpc_trunk_tasks = match field(COL_TRUNK) {
        "" => None,
        text => match parse_whole(COL_TRUNK, text, "10")? {
            0 => {
                return Err("awsvpc_trunk_tasks is 0; write the trunking task limit, e.g. 10, \
                     or leave it empty if the type does not support ENI trunking"
                    .to_string())
            }
            n => Some(n),
        },
    };
    let architecture = field(COL_ARCH).parse::<Architecture>()?;
    let price_per_hour = parse_price(field(COL_PRICE))?;

    Ok(InstanceType {
        name: name.to_string(),
        vcpu,
        memory_mib,
        registered_memory_mib,
        max_enis,
        awsvpc_trunk_tasks,
        architecture,
        price_per_hour,
    })
}

/// Parses the hourly price: a finite number of at least 0.
fn parse_price(text: &str) -> Result<f64, String> {
    const HOW: &str = "write USD per hour, e.g. 0.096";
    match text.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        Ok(_) => Err(format!("price_per_hour `{text}` must be a finite number of at least 0; {HOW}")),
        Err(_) if text.is_empty() => Err(format!("price_per_hour is empty; {HOW}")),
        Err(_) => Err(format!("price_per_hour `{text}` is not a number; {HOW}")),
    }
}

/// Parses a non-negative whole number for column `col`, with a message that
/// names the column and shows `example`.
fn parse_whole(col: usize, text: &str, example: &str) -> Result<u32, String> {
    use std::num::IntErrorKind;
    let column = COLUMNS[col];
    text.parse::<u32>().map_err(|e| match e.kind() {
        IntErrorKind::Empty => format!("{column} is empty; write e.g. {example}"),
        IntErrorKind::PosOverflow => {
            format!("{column} `{text}` is too large; write at most {}", u32::MAX)
        }
        _ => format!("{column} `{text}` is not a whole number; write e.g. {example}"),
    })
}

/// The inferred registered memory: `floor(memory_mib × 0.975)`.
fn default_registered_memory(memory_mib: u32) -> u32 {
    // The result is below `memory_mib`, so it always fits in a u32.
    (u64::from(memory_mib) * REGISTERED_MEMORY_PER_MILLE / 1000) as u32
}

/// A Fargate task size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FargateSize {
    /// CPU units (1024 per vCPU).
    pub cpu: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
}

/// Valid Fargate task CPU values, in CPU units, ascending.
const FARGATE_CPU: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// The valid memory values (MiB, ascending) for a Fargate CPU value; empty
/// when `cpu` is not a valid Fargate CPU value.
fn fargate_memory_options(cpu: u32) -> Vec<u32> {
    let (min, max, step) = match cpu {
        256 => return vec![512, 1024, 2048],
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return Vec::new(),
    };
    (min..=max).step_by(step).collect()
}

/// Joins numbers with ", ".
fn join_numbers(values: &[u32]) -> String {
    values.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Checks a task size against the valid Fargate combinations. Err text lists
/// the valid memory values for that cpu (or the valid cpu values) so the user
/// can fix it.
pub fn validate_fargate_size(cpu: u32, memory_mib: u32) -> Result<FargateSize, String> {
    let options = fargate_memory_options(cpu);
    if options.is_empty() {
        return Err(format!(
            "Fargate task cpu {cpu} is not valid; use one of {} (CPU units, 1024 = 1 vCPU)",
            join_numbers(&FARGATE_CPU)
        ));
    }
    if !options.contains(&memory_mib) {
        return Err(format!(
            "Fargate task memory {memory_mib} MiB is not valid with cpu {cpu}; \
             use one of {} (MiB)",
            join_numbers(&options)
        ));
    }
    Ok(FargateSize { cpu, memory_mib })
}

/// The smallest valid size with at least this cpu and memory (cpu first, then
/// memory), or `None` if larger than 16 vCPU / 120 GB.
pub fn round_up_fargate_size(cpu: u32, memory_mib: u32) -> Option<FargateSize> {
    FARGATE_CPU.iter().filter(|&&c| c >= cpu).find_map(|&c| {
        fargate_memory_options(c).into_iter().find(|&m| m >= memory_mib).map(|m| FargateSize { cpu: c, memory_mib: m })
    })
}

/// Fargate prices in USD per vCPU-hour and per GB-hour of memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FargatePricing {
    /// USD per vCPU-hour, x86.
    pub x86_vcpu_hour: f64,
    /// USD per GB-hour of memory, x86.
    pub x86_gb_hour: f64,
    /// USD per vCPU-hour, ARM (Graviton).
    pub arm_vcpu_hour: f64,
    /// USD per GB-hour of memory, ARM (Graviton).
    pub arm_gb_hour: f64,
}

impl Default for FargatePricing {
    /// us-east-1 Linux prices: x86 $0.04048 per vCPU-hour and $0.004445 per
    /// GB-hour; ARM $0.03238 and $0.00356.
    fn default() -> Self {
        FargatePricing { x86_vcpu_hour: 0.04048, x86_gb_hour: 0.004445, arm_vcpu_hour: 0.03238, arm_gb_hour: 0.00356 }
    }
}

impl FargatePricing {
    /// USD per hour for one task of this size: vCPU = cpu / 1024,
    /// GB = memory_mib / 1024.
    pub fn hourly_price(&self, size: FargateSize, arch: Architecture) -> f64 {
        let (vcpu_hour, gb_hour) = match arch {
            Architecture::X86_64 => (self.x86_vcpu_hour, self.x86_gb_hour),
            Architecture::Arm64 => (self.arm_vcpu_hour, self.arm_gb_hour),
        };
        f64::from(size.cpu) / 1024.0 * vcpu_hour + f64::from(size.memory_mib) / 1024.0 * gb_hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "instance_type,vcpu,memory_mib,registered_memory_mib,max_enis,awsvpc_trunk_tasks,architecture,price_per_hour\n";

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Asserts the figures of one built-in type.
    fn check(catalog: &Catalog, name: &str, vcpu: u32, gib: u32, price: f64, enis: u32, trunk: Option<u32>) {
        let t = catalog.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(t.vcpu, vcpu, "{name} vcpu");
        assert_eq!(t.memory_mib, gib * 1024, "{name} memory");
        assert!(close(t.price_per_hour, price), "{name} price {}", t.price_per_hour);
        assert_eq!(t.max_enis, enis, "{name} max_enis");
        assert_eq!(t.awsvpc_trunk_tasks, trunk, "{name} trunk");
    }

    fn read(text: &str) -> Result<usize, CatalogError> {
        Catalog::builtin().extend_from_reader(text.as_bytes(), "catalog/extra.csv")
    }

    fn error_of(rows: &str) -> CatalogError {
        read(&format!("{HEADER}{rows}")).expect_err("the row should be rejected")
    }

    #[test]
    fn builtin_parses_with_enough_types_sorted() {
        let catalog = Catalog::builtin();
        assert!(catalog.len() >= 45, "only {} types", catalog.len());
        assert!(!catalog.is_empty());
        let names: Vec<&str> = catalog.iter().map(|t| t.name.as_str()).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "not sorted and unique");
    }

    #[test]
    fn builtin_has_every_required_type() {
        let catalog = Catalog::builtin();
        let families: [(&str, &[&str]); 14] = [
            ("t3", &["micro", "small", "medium", "large", "xlarge", "2xlarge"]),
            ("t4g", &["medium", "large"]),
            ("m5", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"]),
            ("m6i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge"]),
            ("m7i", &["large", "xlarge", "2xlarge", "4xlarge"]),
            ("m6g", &["medium", "large", "xlarge", "2xlarge", "4xlarge"]),
            ("m7g", &["medium", "large", "xlarge", "2xlarge", "4xlarge"]),
            ("c5", &["large", "xlarge", "2xlarge", "4xlarge", "9xlarge"]),
            ("c6i", &["large", "xlarge", "2xlarge", "4xlarge"]),
            ("c6g", &["large", "xlarge", "2xlarge", "4xlarge"]),
            ("c7g", &["large", "xlarge", "2xlarge", "4xlarge"]),
            ("r5", &["large", "xlarge", "2xlarge", "4xlarge"]),
            ("r6i", &["large", "xlarge", "2xlarge", "4xlarge"]),
            ("r6g", &["large", "xlarge", "2xlarge", "4xlarge"]),
        ];
        for (family, sizes) in families {
            for size in sizes {
                let name = format!("{family}.{size}");
                assert!(catalog.get(&name).is_some(), "{name} missing");
            }
        }
    }

    /// The figures of docs/ecs-reference.md §7.2 (table) and §7.4 (trunk limits).
    #[test]
    fn builtin_fixed_figures() {
        let c = Catalog::builtin();
        check(&c, "t3.medium", 2, 4, 0.0416, 3, None);
        check(&c, "m5.large", 2, 8, 0.096, 3, Some(10));
        check(&c, "m5.xlarge", 4, 16, 0.192, 4, Some(20));
        check(&c, "r5.large", 2, 16, 0.126, 3, Some(10));
        check(&c, "m6g.large", 2, 8, 0.077, 3, Some(10));
        check(&c, "m7g.large", 2, 8, 0.0816, 3, Some(10));
        check(&c, "c5.xlarge", 4, 8, 0.17, 4, Some(20));
        check(&c, "c6g.xlarge", 4, 8, 0.136, 4, Some(20));
        let trunk = |name: &str| c.get(name).and_then(|t| t.awsvpc_trunk_tasks);
        assert_eq!(trunk("m5.2xlarge"), Some(40));
        assert_eq!(trunk("m5.4xlarge"), Some(60));
        assert_eq!(trunk("m5.16xlarge"), Some(120));
        assert_eq!(trunk("c5.large"), Some(10));
    }

    #[test]
    fn builtin_well_known_prices() {
        let c = Catalog::builtin();
        let price = |name: &str| c.get(name).map(|t| t.price_per_hour).unwrap_or(f64::NAN);
        for (name, expected) in [
            ("t3.micro", 0.0104),
            ("t3.2xlarge", 0.3328),
            ("t4g.medium", 0.0336),
            ("t4g.large", 0.0672),
            ("m5.24xlarge", 4.608),
            ("m6i.8xlarge", 1.536),
            ("m7i.large", 0.1008),
            ("m7i.4xlarge", 0.8064),
            ("m6g.medium", 0.0385),
            ("m7g.medium", 0.0408),
            ("c5.2xlarge", 0.34),
            ("c5.4xlarge", 0.68),
            ("c5.9xlarge", 1.53),
            ("c6i.large", 0.085),
            ("c6g.large", 0.068),
            ("c7g.large", 0.0725),
            ("r6i.4xlarge", 1.008),
            ("r6g.large", 0.1008),
        ] {
            assert!(close(price(name), expected), "{name}: {}", price(name));
        }
    }

    #[test]
    fn builtin_data_is_consistent() {
        let graviton = ["m6g", "m7g", "c6g", "c7g", "r6g", "t4g"];
        for t in Catalog::builtin().iter() {
            let family = t.name.split('.').next().unwrap_or_default();
            let expected_arch = if graviton.contains(&family) { Architecture::Arm64 } else { Architecture::X86_64 };
            assert_eq!(t.architecture, expected_arch, "{}", t.name);
            assert_eq!(t.registered_memory_mib, default_registered_memory(t.memory_mib), "{}", t.name);
            if family.starts_with('t') {
                assert_eq!(t.awsvpc_trunk_tasks, None, "{}", t.name);
                continue;
            }
            let gib_per_vcpu = match family.as_bytes()[0] {
                b'm' => 4,
                b'c' => 2,
                b'r' => 8,
                _ => panic!("unexpected family {family}"),
            };
            assert_eq!(t.memory_mib, t.vcpu * gib_per_vcpu * 1024, "{}", t.name);
            if t.name.ends_with(".medium") {
                assert_eq!(t.vcpu, 1, "{}", t.name);
            }
            assert!(t.awsvpc_trunk_tasks.is_some(), "{}", t.name);
        }
    }

    #[test]
    fn registered_figures() {
        let c = Catalog::builtin();
        let m5 = c.get("m5.large").expect("m5.large");
        assert_eq!(m5.registered_memory_mib, 7987);
        assert_eq!(m5.registered_cpu_units(), 2048);
        assert_eq!(default_registered_memory(8192), 7987);
    }

    #[test]
    fn awsvpc_task_limits() {
        let c = Catalog::builtin();
        let m5 = c.get("m5.large").expect("m5.large");
        assert_eq!(m5.awsvpc_task_limit(false), 2);
        assert_eq!(m5.awsvpc_task_limit(true), 10);
        let t3 = c.get("t3.medium").expect("t3.medium");
        assert_eq!(t3.awsvpc_task_limit(true), 2);
        assert_eq!(t3.awsvpc_task_limit(false), 2);
    }

    #[test]
    fn architecture_round_trips() {
        for arch in [Architecture::X86_64, Architecture::Arm64] {
            assert_eq!(arch.as_str().parse::<Architecture>(), Ok(arch));
            assert_eq!(arch.to_string(), arch.as_str());
        }
        let err = "amd64".parse::<Architecture>().expect_err("unknown");
        assert!(err.contains("x86_64 or arm64"), "{err}");
    }

    #[test]
    fn extend_replaces_and_adds() {
        let mut c = Catalog::builtin();
        let before = c.len();
        let text = format!(
            "{HEADER}m5.large,2,8192,7900,3,12,x86_64,0.09\n\
             custom.big, 128 ,524288,,16,,arm64,9.5\n"
        );
        let rows = c.extend_from_reader(text.as_bytes(), "extra.csv").expect("valid rows");
        assert_eq!(rows, 2);
        assert_eq!(c.len(), before + 1);
        let m5 = c.get("m5.large").expect("m5.large");
        assert_eq!(m5.registered_memory_mib, 7900);
        assert_eq!(m5.awsvpc_trunk_tasks, Some(12));
        assert!(close(m5.price_per_hour, 0.09));
        let big = c.get("custom.big").expect("custom.big");
        assert_eq!(big.vcpu, 128);
        assert_eq!(big.registered_memory_mib, 511_180);
        assert_eq!(big.awsvpc_trunk_tasks, None);
        assert_eq!(big.architecture, Architecture::Arm64);
        let names: Vec<&str> = c.iter().map(|t| t.name.as_str()).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "not sorted after extend");
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let text = "vcpu,instance_type,memory_mib,registered_memory_mib,max_enis,awsvpc_trunk_tasks,architecture,price_per_hour\n\
                    4,x.one,4096,4000,2,,x86_64,0.1\n";
        let mut c = Catalog::builtin();
        assert_eq!(c.extend_from_reader(text.as_bytes(), "x.csv").ok(), Some(1));
        assert_eq!(c.get("x.one").map(|t| t.vcpu), Some(4));
    }

    #[test]
    fn extend_from_csv_reads_a_file_and_reports_missing_files() {
        let dir = std::env::temp_dir().join(format!("ecs-sim-catalog-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("extra.csv");
        std::fs::write(&path, format!("{HEADER}z.one,1,1024,,2,,x86_64,0.01\n")).expect("write");
        let mut c = Catalog::builtin();
        assert_eq!(c.extend_from_csv(&path).ok(), Some(1));
        assert!(c.get("z.one").is_some());
        let missing = dir.join("missing.csv");
        let err = c.extend_from_csv(&missing).expect_err("missing file");
        assert_eq!(err.line, None);
        assert!(err.to_string().starts_with(&missing.display().to_string()));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn bad_number_message_names_file_line_and_column() {
        let err = error_of(
            "a.one,1,1024,,2,,x86_64,0.01\n\
             a.two,1,1024,,2,,x86_64,0.01\n\
             a.three,two,1024,,2,,x86_64,0.01\n",
        );
        assert_eq!(err.line, Some(4));
        assert_eq!(err.to_string(), "catalog/extra.csv line 4: vcpu `two` is not a whole number; write e.g. 2");
    }

    #[test]
    fn each_bad_row_is_rejected_with_its_line() {
        let cases: [(&str, &str); 17] = [
            ("a.x,0,1024,,2,,x86_64,0.01", "vcpu must be at least 1"),
            ("a.x,-1,1024,,2,,x86_64,0.01", "vcpu `-1` is not a whole number"),
            ("a.x,,1024,,2,,x86_64,0.01", "vcpu is empty"),
            ("a.x,1,lots,,2,,x86_64,0.01", "memory_mib `lots` is not a whole number"),
            ("a.x,1,0,,2,,x86_64,0.01", "memory_mib must be at least 1"),
            ("a.x,1,99999999999,,2,,x86_64,0.01", "memory_mib `99999999999` is too large"),
            ("a.x,1,1024,2048,2,,x86_64,0.01", "registered_memory_mib 2048 is larger than memory_mib 1024"),
            ("a.x,1,1024,1.5,2,,x86_64,0.01", "registered_memory_mib `1.5` is not a whole number"),
            ("a.x,1,1024,,0,,x86_64,0.01", "max_enis must be at least 1"),
            ("a.x,1,1024,,x,,x86_64,0.01", "max_enis `x` is not a whole number"),
            ("a.x,1,1024,,2,0,x86_64,0.01", "awsvpc_trunk_tasks is 0"),
            ("a.x,1,1024,,2,many,x86_64,0.01", "awsvpc_trunk_tasks `many` is not a whole number"),
            ("a.x,1,1024,,2,,sparc,0.01", "architecture `sparc` is not known"),
            ("a.x,1,1024,,2,,x86_64,-0.5", "price_per_hour `-0.5` must be a finite number of at least 0"),
            ("a.x,1,1024,,2,,x86_64,cheap", "price_per_hour `cheap` is not a number"),
            (",1,1024,,2,,x86_64,0.01", "instance_type is empty"),
            ("a.x,1,1024,,2,,x86_64", "has 7 fields but the header has 8"),
        ];
        for (row, expected) in cases {
            let err = error_of(&format!("ok.one,1,1024,,2,,x86_64,0.01\n{row}\n"));
            assert_eq!(err.line, Some(3), "{row}: {err}");
            assert_eq!(err.origin, "catalog/extra.csv");
            assert!(err.message.contains(expected), "{row}: got `{err}`");
            assert!(err.to_string().starts_with("catalog/extra.csv line 3: "), "{err}");
        }
    }

    #[test]
    fn duplicate_rows_are_rejected() {
        let err = error_of("a.x,1,1024,,2,,x86_64,0.01\na.x,2,1024,,2,,x86_64,0.01\n");
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("already defined on line 2"), "{err}");
    }

    #[test]
    fn failed_extend_changes_nothing() {
        let mut c = Catalog::builtin();
        let text = format!("{HEADER}m5.large,2,8192,,3,,x86_64,5\nbad,x,1,,1,,x86_64,1\n");
        assert!(c.extend_from_reader(text.as_bytes(), "x.csv").is_err());
        assert_eq!(c.get("m5.large").map(|t| t.awsvpc_trunk_tasks), Some(Some(10)));
    }

    #[test]
    fn bad_headers_are_rejected_naming_the_expected_header() {
        let expected = COLUMNS.join(",");
        let unknown = read(
            "instance_type,vcpus,memory_mib,registered_memory_mib,max_enis,awsvpc_trunk_tasks,architecture,price_per_hour\n",
        )
        .expect_err("unknown column");
        assert_eq!(unknown.line, Some(1));
        assert!(unknown.message.contains("unknown column `vcpus` (did you mean `vcpu`?)"), "{unknown}");
        assert!(unknown.message.contains(&expected), "{unknown}");

        let missing = read("instance_type,vcpu,memory_mib\nx,1,1\n").expect_err("missing");
        assert_eq!(missing.line, Some(1));
        assert!(missing.message.contains("missing column(s) registered_memory_mib, max_enis"), "{missing}");
        assert!(missing.message.contains(&expected), "{missing}");

        let twice = read("instance_type,vcpu,vcpu\n").expect_err("duplicate column");
        assert!(twice.message.contains("column `vcpu` appears twice"), "{twice}");

        let empty = read("").expect_err("empty file");
        assert!(empty.message.contains("missing column(s)"), "{empty}");
    }

    #[test]
    fn header_only_file_adds_nothing() {
        assert_eq!(read(HEADER).ok(), Some(0));
        assert_eq!(read(&format!("\u{feff}{HEADER}")).ok(), Some(0));
    }

    #[test]
    fn suggestions() {
        let c = Catalog::builtin();
        assert_eq!(c.suggest("m5.larg"), Some("m5.large"));
        assert_eq!(c.suggest("t3.meduim"), Some("t3.medium"));
        assert_eq!(c.suggest("M5.XLarge"), Some("m5.xlarge"));
        assert_eq!(c.suggest("c5.xlarg"), Some("c5.xlarge"));
        assert_eq!(c.suggest("zzzzzzzz"), None);
        assert_eq!(c.suggest(""), None);
    }

    #[test]
    fn fargate_accepts_every_valid_combination() {
        let mut count = 0;
        for cpu in FARGATE_CPU {
            for memory in fargate_memory_options(cpu) {
                assert_eq!(validate_fargate_size(cpu, memory), Ok(FargateSize { cpu, memory_mib: memory }));
                count += 1;
            }
        }
        // 3 + 4 + 7 + 13 + 23 + 12 + 12 valid Linux combinations.
        assert_eq!(count, 74);
        assert_eq!(fargate_memory_options(16384).last(), Some(&122880));
        assert_eq!(fargate_memory_options(8192).get(1), Some(&20480));
    }

    #[test]
    fn fargate_rejects_invalid_sizes_listing_the_valid_ones() {
        let err = validate_fargate_size(256, 4096).expect_err("invalid memory");
        assert!(err.contains("512, 1024, 2048"), "{err}");
        let err = validate_fargate_size(8192, 18432).expect_err("off-step memory");
        assert!(err.contains("16384, 20480"), "{err}");
        let err = validate_fargate_size(300, 1024).expect_err("invalid cpu");
        assert!(err.contains("256, 512, 1024, 2048, 4096, 8192, 16384"), "{err}");
    }

    #[test]
    fn fargate_round_up() {
        let size = |cpu, memory_mib| Some(FargateSize { cpu, memory_mib });
        assert_eq!(round_up_fargate_size(300, 600), size(512, 1024));
        assert_eq!(round_up_fargate_size(100, 100), size(256, 512));
        assert_eq!(round_up_fargate_size(256, 4096), size(512, 4096));
        assert_eq!(round_up_fargate_size(4096, 40000), size(8192, 40960));
        assert_eq!(round_up_fargate_size(16384, 122880), size(16384, 122880));
        assert_eq!(round_up_fargate_size(20000, 1024), None);
        assert_eq!(round_up_fargate_size(1024, 122881), None);
    }

    #[test]
    fn fargate_pricing() {
        let pricing = FargatePricing::default();
        let size = FargateSize { cpu: 1024, memory_mib: 2048 };
        assert!(close(pricing.hourly_price(size, Architecture::X86_64), 0.04048 + 2.0 * 0.004445));
        assert!(close(pricing.hourly_price(size, Architecture::Arm64), 0.03238 + 2.0 * 0.00356));
        let quarter = FargateSize { cpu: 256, memory_mib: 512 };
        assert!(close(pricing.hourly_price(quarter, Architecture::X86_64), 0.25 * 0.04048 + 0.5 * 0.004445));
    }
}

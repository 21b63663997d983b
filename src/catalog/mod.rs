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
//! header through [`Catalog::extend_from_csv`]; `parse` reads both. Fargate
//! sizes and prices are in [`fargate`].

pub mod fargate;
mod parse;

use parse::parse_csv;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The built-in instance type table, compiled into the binary.
const BUILTIN_CSV: &str = include_str!("../../data/instance_types.csv");

/// Origin reported in errors about the built-in table.
const BUILTIN_ORIGIN: &str = "built-in data/instance_types.csv";

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
        if let Some(why) = crate::error::not_a_file(path) {
            return Err(CatalogError {
                origin,
                line: None,
                message: format!("cannot open the instance type file: {why}"),
            });
        }
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
    // No typo is this long, and the distance costs length × length.
    if name.len() > crate::error::QUOTE_LIMIT * 2 {
        return None;
    }
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

/// Helpers shared by the catalog tests.
#[cfg(test)]
mod test_support {
    pub(super) const HEADER: &str =
        "instance_type,vcpu,memory_mib,registered_memory_mib,max_enis,awsvpc_trunk_tasks,architecture,price_per_hour\n";

    pub(super) fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }
}

#[cfg(test)]
mod tests {
    use super::parse::default_registered_memory;
    use super::test_support::{close, HEADER};
    use super::*;

    /// Asserts the figures of one built-in type.
    fn check(catalog: &Catalog, name: &str, vcpu: u32, gib: u32, price: f64, enis: u32, trunk: Option<u32>) {
        let t = catalog.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(t.vcpu, vcpu, "{name} vcpu");
        assert_eq!(t.memory_mib, gib * 1024, "{name} memory");
        assert!(close(t.price_per_hour, price), "{name} price {}", t.price_per_hour);
        assert_eq!(t.max_enis, enis, "{name} max_enis");
        assert_eq!(t.awsvpc_trunk_tasks, trunk, "{name} trunk");
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
    fn failed_extend_changes_nothing() {
        let mut c = Catalog::builtin();
        let text = format!("{HEADER}m5.large,2,8192,,3,,x86_64,5\nbad,x,1,,1,,x86_64,1\n");
        assert!(c.extend_from_reader(text.as_bytes(), "x.csv").is_err());
        assert_eq!(c.get("m5.large").map(|t| t.awsvpc_trunk_tasks), Some(Some(10)));
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
}

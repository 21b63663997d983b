//! Reading a catalog CSV (the built-in table or a user's): the header, each
//! row's figures, and errors that name the line and say how to fix it.

use super::{closest, Architecture, CatalogError, InstanceType};
use std::collections::HashMap;

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

/// Parses and validates a whole catalog CSV without touching any catalog.
pub(super) fn parse_csv<R: std::io::Read>(reader: R, origin: &str) -> Result<Vec<InstanceType>, CatalogError> {
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
pub(super) fn default_registered_memory(memory_mib: u32) -> u32 {
    // The result is below `memory_mib`, so it always fits in a u32.
    (u64::from(memory_mib) * REGISTERED_MEMORY_PER_MILLE / 1000) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::test_support::HEADER;
    use crate::catalog::Catalog;

    fn read(text: &str) -> Result<usize, CatalogError> {
        Catalog::builtin().extend_from_reader(text.as_bytes(), "catalog/extra.csv")
    }

    fn error_of(rows: &str) -> CatalogError {
        read(&format!("{HEADER}{rows}")).expect_err("the row should be rejected")
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
}

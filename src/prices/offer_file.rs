//! Streaming reader of AWS Price List bulk offer files (AmazonEC2 for
//! instances, AmazonECS for Fargate), JSON or CSV, keeping the Linux
//! on-demand prices of one region.
//!
//! Real offer files are gigabytes, so nothing holds the whole file: the CSV
//! is read row by row, and the JSON through serde visitors over `products`
//! and `terms.OnDemand`, skipping everything else with [`IgnoredAny`]. What
//! is kept is the selected region's matching products (SKU and what it
//! prices) and their prices. AWS writes `products` before `terms`; a file
//! with `terms` first is read twice (products, then terms).
//!
//! # Which prices are kept (the Linux on-demand price of the pricing page)
//!
//! A product is in the region when its `locationType` (if the file has it)
//! is `AWS Region` and its `regionCode` is the region, or, without a
//! `regionCode`, its `location` maps to the region ([`region_for_location`];
//! an AWS Region location not in that table is an error).
//!
//! * **EC2**: `productFamily` starting with `Compute Instance`, an
//!   `instanceType`, `operatingSystem` = `Linux`, `tenancy` = `Shared`,
//!   `preInstalledSw` = `NA`, `capacitystatus` = `Used` and `licenseModel` =
//!   `No License required`; an attribute a product does not carry at all
//!   (older files predate `capacitystatus`) is not checked, an empty one
//!   does not match.
//! * **Fargate**: a `usagetype` of [`FargateRate::from_usage_type`] with an
//!   empty or `Linux` operating system.
//!
//! Of such a product, the `OnDemand` price dimension with unit `Hrs` or
//! `hours`, starting at 0, in USD. Two products that give one instance type
//! (or Fargate rate) different prices are an error, naming both SKUs.
//! A CSV row shorter than the header reads its missing fields as empty.

use super::{region_for_location, FargateRate};
use crate::error::{not_a_file, InputError};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// An EC2 instance price kept from an offer file.
#[derive(Debug, Clone, PartialEq)]
pub struct Ec2Price {
    /// USD per hour, Linux on-demand.
    pub usd_per_hour: f64,
    /// `vcpu` as the offer file gives it, when it is a whole number.
    pub vcpu: Option<u32>,
    /// `memory` ("8 GiB") in MiB, rounded, when given.
    pub memory_mib: Option<u32>,
}

/// What an import kept: one region's prices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// The region code.
    pub region: String,
    /// EC2 Linux on-demand prices by instance type.
    pub ec2: BTreeMap<String, Ec2Price>,
    /// Fargate Linux rates found.
    pub fargate: BTreeMap<FargateRate, f64>,
    /// `offerCode` (JSON) or `OfferCode` (CSV), when the file says it.
    pub offer_code: Option<String>,
    /// `version` / `Version`, when given.
    pub version: Option<String>,
}

/// What a product prices, once it matched the rules.
#[derive(Debug, Clone, PartialEq)]
enum Priced {
    Instance { name: String, vcpu: Option<u32>, memory_mib: Option<u32> },
    Fargate(FargateRate),
}

/// The attributes the rules read, under their JSON names.
#[derive(Debug, Default, Deserialize)]
struct Attributes {
    #[serde(rename = "instanceType")]
    instance_type: Option<String>,
    #[serde(rename = "operatingSystem")]
    operating_system: Option<String>,
    tenancy: Option<String>,
    #[serde(rename = "preInstalledSw")]
    pre_installed_sw: Option<String>,
    capacitystatus: Option<String>,
    #[serde(rename = "licenseModel")]
    license_model: Option<String>,
    usagetype: Option<String>,
    #[serde(rename = "regionCode")]
    region_code: Option<String>,
    location: Option<String>,
    #[serde(rename = "locationType")]
    location_type: Option<String>,
    vcpu: Option<String>,
    memory: Option<String>,
}

/// A product as the JSON gives it.
#[derive(Debug, Deserialize)]
struct Product {
    #[serde(rename = "productFamily")]
    product_family: Option<String>,
    #[serde(default)]
    attributes: Attributes,
}

/// One price dimension of a term.
#[derive(Debug, Deserialize)]
struct PriceDimension {
    unit: Option<String>,
    #[serde(rename = "beginRange")]
    begin_range: Option<String>,
    #[serde(rename = "pricePerUnit", default)]
    price_per_unit: BTreeMap<String, String>,
}

/// One term of a SKU.
#[derive(Debug, Deserialize)]
struct Term {
    #[serde(rename = "priceDimensions", default)]
    price_dimensions: BTreeMap<String, PriceDimension>,
}

/// The state of an import: the rules' outcome so far.
struct Selection<'a> {
    origin: &'a Path,
    region: &'a str,
    /// SKUs of the region that matched, and what they price.
    kept: BTreeMap<String, Priced>,
    /// Prices found, by what they price, with the SKU that gave them.
    ec2: BTreeMap<String, (Ec2Price, String)>,
    fargate: BTreeMap<FargateRate, (f64, String)>,
    /// Other regions seen (for the error when the region has nothing).
    other_regions: BTreeSet<String>,
    offer_code: Option<String>,
    version: Option<String>,
    /// The SKU of a decoded get-products item (`product` and `terms` at the top).
    item_sku: Option<String>,
    /// The file is a Price List index (`offers` or `regions`), not an offer file.
    index_file: bool,
    /// The first error, which stops the import.
    error: Option<InputError>,
}

impl<'a> Selection<'a> {
    fn new(origin: &'a Path, region: &'a str) -> Self {
        Selection {
            origin,
            region,
            kept: BTreeMap::new(),
            ec2: BTreeMap::new(),
            fargate: BTreeMap::new(),
            other_regions: BTreeSet::new(),
            offer_code: None,
            version: None,
            item_sku: None,
            index_file: false,
            error: None,
        }
    }

    fn fail(&mut self, err: InputError) {
        if self.error.is_none() {
            self.error = Some(err);
        }
    }

    /// Applies the rules to a product; `Ok(None)` when it is not kept.
    fn classify(&mut self, family: Option<&str>, a: &Attributes, at: &str) -> Result<Option<Priced>, InputError> {
        if a.location_type.as_deref().is_some_and(|t| t != "AWS Region") {
            return Ok(None);
        }
        let region = match (a.region_code.as_deref().filter(|c| !c.is_empty()), a.location.as_deref()) {
            (Some(code), _) => code.to_string(),
            (None, Some(location)) if !location.is_empty() => match region_for_location(location) {
                Some(code) => code.to_string(),
                None => {
                    return Err(InputError::new(self.origin, format!("the location `{location}` is not a region ecs-sim knows"))
                        .at(at.to_string())
                        .help("the product has no regionCode; use a newer offer file (they give regionCode) or report the location name"))
                }
            },
            _ => return Ok(None),
        };
        if region != self.region {
            if self.other_regions.len() < 64 {
                self.other_regions.insert(region);
            }
            return Ok(None);
        }
        let is = |value: &Option<String>, wanted: &str| value.as_deref().is_none_or(|v| v == wanted);
        if let Some(rate) = a.usagetype.as_deref().and_then(FargateRate::from_usage_type) {
            let os_ok = a.operating_system.as_deref().is_none_or(|os| os.is_empty() || os == "Linux");
            return Ok(os_ok.then_some(Priced::Fargate(rate)));
        }
        let instance = family.is_some_and(|f| f.starts_with("Compute Instance"))
            && a.operating_system.as_deref() == Some("Linux")
            && is(&a.tenancy, "Shared")
            && is(&a.pre_installed_sw, "NA")
            && is(&a.capacitystatus, "Used")
            && is(&a.license_model, "No License required");
        match a.instance_type.as_deref() {
            Some(name) if instance && !name.is_empty() => Ok(Some(Priced::Instance {
                name: name.to_string(),
                vcpu: a.vcpu.as_deref().and_then(|v| v.trim().parse().ok()),
                memory_mib: a.memory.as_deref().and_then(memory_mib),
            })),
            _ => Ok(None),
        }
    }

    /// Records the price of a kept product.
    fn price(&mut self, sku: &str, priced: &Priced, usd: f64, at: &str) -> Result<(), InputError> {
        let conflict = |what: &str, old: f64, old_sku: &str| {
            InputError::new(self.origin, format!("{what} has two prices in {}: {old} (SKU {old_sku}) and {usd} (SKU {sku})", self.region))
                .at(at.to_string())
                .help("the Linux on-demand rules (docs/aws-data.md) should leave one product per type; check the file is an unedited offer file")
        };
        match priced {
            Priced::Instance { name, vcpu, memory_mib } => {
                if let Some((old, old_sku)) = self.ec2.get(name) {
                    if old.usd_per_hour != usd {
                        return Err(conflict(&format!("instance type {name}"), old.usd_per_hour, old_sku));
                    }
                    return Ok(());
                }
                let price = Ec2Price { usd_per_hour: usd, vcpu: *vcpu, memory_mib: *memory_mib };
                self.ec2.insert(name.clone(), (price, sku.to_string()));
            }
            Priced::Fargate(rate) => {
                if let Some((old, old_sku)) = self.fargate.get(rate) {
                    if *old != usd {
                        return Err(conflict(&format!("Fargate {}", rate.name()), *old, old_sku));
                    }
                    return Ok(());
                }
                self.fargate.insert(*rate, (usd, sku.to_string()));
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Imported, InputError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if self.index_file {
            return Err(InputError::new(self.origin, "this is a Price List index file, not an offer file").help(
                format!("download the offer file it lists (currentVersionUrl) for {} and import that", self.region),
            ));
        }
        if self.ec2.is_empty() && self.fargate.is_empty() {
            let seen = if !self.kept.is_empty() {
                format!(
                    "{} matching products of {}, none with an hourly USD on-demand price",
                    self.kept.len(),
                    self.region
                )
            } else if self.other_regions.is_empty() {
                "no region's Linux on-demand instance or Fargate prices".to_string()
            } else {
                format!("products of {}", self.other_regions.iter().cloned().collect::<Vec<_>>().join(", "))
            };
            return Err(InputError::new(
                self.origin,
                format!("no Linux on-demand prices for {} in the file", self.region),
            )
            .help(format!("it holds {seen}; import the AmazonEC2 or AmazonECS offer file of {}", self.region)));
        }
        Ok(Imported {
            region: self.region.to_string(),
            ec2: self.ec2.into_iter().map(|(k, (p, _))| (k, p)).collect(),
            fargate: self.fargate.into_iter().map(|(k, (p, _))| (k, p)).collect(),
            offer_code: self.offer_code,
            version: self.version,
        })
    }
}

/// "8 GiB", "3.75 GiB", "512 MiB" in MiB (rounded).
fn memory_mib(text: &str) -> Option<u32> {
    let text = text.trim().replace(',', "");
    let (number, factor) = if let Some(n) = text.strip_suffix("GiB") {
        (n, 1024.0)
    } else if let Some(n) = text.strip_suffix("MiB") {
        (n, 1.0)
    } else {
        return None;
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value > 0.0 && value * factor < u32::MAX as f64).then(|| (value * factor).round() as u32)
}

/// A price string ("0.0960000000") as dollars.
fn parse_price(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|p| p.is_finite() && *p >= 0.0)
}

/// Whether a unit is an hour.
fn hourly(unit: &str) -> bool {
    unit.eq_ignore_ascii_case("hrs") || unit.eq_ignore_ascii_case("hours")
}

/// Imports the Linux on-demand prices of `region` from the offer file at
/// `path` (JSON when its first non-blank byte is `{`, else CSV; `.gz` is
/// read through gzip). See the module docs for the rules.
pub fn import_offer_file(path: &Path, region: &str) -> Result<Imported, InputError> {
    if region.is_empty() || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(InputError::new(path, format!("`{}` is not a region code", crate::error::quoted(region)))
            .at("option `--region`")
            .help("give a code such as eu-west-1"));
    }
    let mut input = open(path)?;
    let first = loop {
        let buffer = input.fill_buf().map_err(|e| read_error(path, &e))?;
        match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buffer[i]),
            None if buffer.is_empty() => break None,
            None => {
                let n = buffer.len();
                input.consume(n);
            }
        }
    };
    match first {
        None => Err(InputError::new(path, "the offer file is empty")),
        Some(b'{') => import_json(path, input, region),
        Some(_) => import_csv(path, input, region),
    }
}

fn read_error(path: &Path, e: &dyn fmt::Display) -> InputError {
    InputError::new(path, format!("cannot read the offer file: {e}"))
}

fn open(path: &Path) -> Result<Box<dyn BufRead>, InputError> {
    if let Some(why) = not_a_file(path) {
        return Err(InputError::new(path, format!("cannot open the offer file: {why}")));
    }
    let file = File::open(path).map_err(|e| InputError::new(path, format!("cannot open the offer file: {e}")))?;
    let gzip = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    Ok(if gzip {
        Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(BufReader::new(file))))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    })
}

// ---------------------------------------------------------------- CSV

/// The CSV header names of the attributes, by JSON name.
const CSV_COLUMNS: [(&str, &str); 12] = [
    ("Instance Type", "instanceType"),
    ("Operating System", "operatingSystem"),
    ("Tenancy", "tenancy"),
    ("Pre Installed S/W", "preInstalledSw"),
    ("CapacityStatus", "capacitystatus"),
    ("License Model", "licenseModel"),
    ("usageType", "usagetype"),
    ("Region Code", "regionCode"),
    ("Location", "location"),
    ("Location Type", "locationType"),
    ("vCPU", "vcpu"),
    ("Memory", "memory"),
];

fn import_csv(path: &Path, input: impl Read, region: &str) -> Result<Imported, InputError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut selection = Selection::new(path, region);
    let mut header: Option<BTreeMap<String, usize>> = None;
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let err = read_error(path, &e);
            match e.position() {
                Some(p) => err.at(format!("line {}", p.line())),
                None => err,
            }
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("line {line}");
        let Some(columns) = &header else {
            let first = record.get(0).unwrap_or("").trim();
            match first {
                "SKU" => {
                    let columns: BTreeMap<String, usize> =
                        record.iter().enumerate().map(|(i, name)| (name.trim().to_string(), i)).collect();
                    for needed in ["TermType", "Unit", "PricePerUnit", "Currency"] {
                        if !columns.contains_key(needed) {
                            return Err(InputError::new(path, format!("the header has no `{needed}` column"))
                                .at(at)
                                .help("this is not a Price List CSV offer file"));
                        }
                    }
                    header = Some(columns);
                }
                "OfferCode" => selection.offer_code = record.get(1).map(|s| s.trim().to_string()),
                "Version" => selection.version = record.get(1).map(|s| s.trim().to_string()),
                _ => {}
            }
            continue;
        };
        let field = |name: &str| -> Option<&str> { columns.get(name).map(|&i| record.get(i).unwrap_or("").trim()) };
        if field("TermType") != Some("OnDemand") {
            continue;
        }
        let owned = |name: &str| field(name).map(str::to_string);
        let mut attributes = Attributes::default();
        for (csv_name, json_name) in CSV_COLUMNS {
            let value = owned(csv_name);
            match json_name {
                "instanceType" => attributes.instance_type = value,
                "operatingSystem" => attributes.operating_system = value,
                "tenancy" => attributes.tenancy = value,
                "preInstalledSw" => attributes.pre_installed_sw = value,
                "capacitystatus" => attributes.capacitystatus = value,
                "licenseModel" => attributes.license_model = value,
                "usagetype" => attributes.usagetype = value,
                "regionCode" => attributes.region_code = value,
                "location" => attributes.location = value,
                "locationType" => attributes.location_type = value,
                "vcpu" => attributes.vcpu = value,
                _ => attributes.memory = value,
            }
        }
        let Some(priced) = selection.classify(field("Product Family"), &attributes, &at)? else { continue };
        let starts_at_zero = field("StartingRange").is_none_or(|s| s.is_empty() || s == "0");
        if !starts_at_zero || !field("Unit").is_some_and(hourly) {
            continue;
        }
        let sku = field("SKU").unwrap_or("").to_string();
        if field("Currency") != Some("USD") {
            return Err(InputError::new(
                path,
                format!("SKU {sku} is priced in {}, not USD", field("Currency").unwrap_or("")),
            )
            .at(at)
            .help("ecs-sim bills in USD; regions priced in another currency are not supported"));
        }
        let price = field("PricePerUnit").and_then(parse_price).ok_or_else(|| {
            InputError::new(path, format!("`{}` is not a price", field("PricePerUnit").unwrap_or(""))).at(at.clone())
        })?;
        selection.price(&sku, &priced, price, &at)?;
    }
    if header.is_none() {
        return Err(InputError::new(path, "no header row starting with `SKU` was found")
            .help("give an AWS Price List offer file (index.csv or index.json)"));
    }
    selection.finish()
}

// ---------------------------------------------------------------- JSON

/// Which parts of the JSON a pass reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pass {
    /// Products, and terms if they come after the products.
    Both,
    /// Terms only (second pass of a file whose terms come first).
    TermsOnly,
}

struct Top<'s, 'a> {
    selection: &'s mut Selection<'a>,
    pass: Pass,
    products_done: bool,
    terms_skipped: bool,
}

fn import_json(path: &Path, input: Box<dyn BufRead>, region: &str) -> Result<Imported, InputError> {
    let mut selection = Selection::new(path, region);
    let terms_skipped = run_pass(path, input, &mut selection, Pass::Both)?;
    if terms_skipped && selection.error.is_none() && !selection.kept.is_empty() {
        run_pass(path, open(path)?, &mut selection, Pass::TermsOnly)?;
    }
    selection.finish()
}

/// One pass over the JSON; returns whether terms were skipped because they
/// came before the products.
fn run_pass(
    path: &Path,
    input: Box<dyn BufRead>,
    selection: &mut Selection<'_>,
    pass: Pass,
) -> Result<bool, InputError> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let mut top = Top { selection, pass, products_done: false, terms_skipped: false };
    let result = (&mut top).deserialize(&mut de).and_then(|()| de.end());
    if let Some(err) = top.selection.error.take() {
        return Err(err);
    }
    result.map_err(|e| {
        InputError::new(path, format!("not a Price List offer file: {e}")).at(format!("line {}", e.line()))
    })?;
    Ok(top.terms_skipped)
}

impl<'de> DeserializeSeed<'de> for &mut Top<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an offer file object with `products` and `terms`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "products" if self.pass == Pass::Both => {
                    map.next_value_seed(ProductsSeed(self.selection))?;
                    self.products_done = true;
                }
                // A decoded get-products item: one product.
                "product" if self.pass == Pass::Both => {
                    let item: ItemProduct = map.next_value()?;
                    keep_product(self.selection, &item.sku, item.product);
                    self.selection.item_sku = Some(item.sku);
                    self.products_done = true;
                }
                "terms" if self.pass == Pass::TermsOnly || self.products_done => {
                    let item = self.selection.item_sku.clone();
                    map.next_value_seed(TermsSeed(self.selection, item.as_deref()))?
                }
                "terms" => {
                    map.next_value::<IgnoredAny>()?;
                    self.terms_skipped = true;
                }
                "PriceList" if self.pass == Pass::Both => {
                    // get-products output: each item is JSON in a string.
                    let items: Vec<String> = map.next_value()?;
                    for (i, text) in items.iter().enumerate() {
                        match serde_json::from_str::<Item>(text) {
                            Ok(item) => {
                                keep_product(self.selection, &item.product.sku, item.product.product);
                                let mut seed = TermsSeed(self.selection, Some(&item.product.sku));
                                if let Err(e) = (&mut seed).deserialize(item.terms) {
                                    return Err(serde::de::Error::custom(format!("PriceList[{i}]: {e}")));
                                }
                            }
                            Err(e) => {
                                return Err(serde::de::Error::custom(format!("PriceList[{i}] is not a product: {e}")))
                            }
                        }
                    }
                }
                "offers" | "regions" if self.pass == Pass::Both => {
                    map.next_value::<IgnoredAny>()?;
                    self.selection.index_file = true;
                }
                "offerCode" if self.pass == Pass::Both => self.selection.offer_code = Some(map.next_value()?),
                "version" if self.pass == Pass::Both => self.selection.version = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if self.selection.error.is_some() {
                return Err(serde::de::Error::custom("stopped at the first error"));
            }
        }
        Ok(())
    }
}

/// A get-products item's product, with its SKU.
#[derive(Deserialize)]
struct ItemProduct {
    sku: String,
    #[serde(flatten)]
    product: Product,
}

/// A get-products item.
#[derive(Deserialize)]
struct Item {
    product: ItemProduct,
    terms: serde_json::Value,
}

fn keep_product(selection: &mut Selection<'_>, sku: &str, product: Product) {
    let at = format!("product {sku}");
    match selection.classify(product.product_family.as_deref(), &product.attributes, &at) {
        Ok(Some(priced)) => {
            selection.kept.insert(sku.to_string(), priced);
        }
        Ok(None) => {}
        Err(e) => selection.fail(e),
    }
}

struct ProductsSeed<'s, 'a>(&'s mut Selection<'a>);

impl<'de> DeserializeSeed<'de> for ProductsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProductsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`products`: an object of SKU to product")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(sku) = map.next_key::<String>()? {
            let product: Product = map.next_value()?;
            keep_product(self.0, &sku, product);
            if self.0.error.is_some() {
                return Err(serde::de::Error::custom("stopped at the first error"));
            }
        }
        Ok(())
    }
}

struct TermsSeed<'s, 'a, 'k>(&'s mut Selection<'a>, Option<&'k str>);

impl<'de> DeserializeSeed<'de> for &mut TermsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut TermsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`terms`: an object of term type (OnDemand, Reserved) to SKUs")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(kind) = map.next_key::<String>()? {
            if kind == "OnDemand" {
                map.next_value_seed(OnDemandSeed { selection: self.0, item: self.1 })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for TermsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(mut self, d: D) -> Result<(), D::Error> {
        (&mut self).deserialize(d)
    }
}

struct OnDemandSeed<'s, 'a, 'k> {
    selection: &'s mut Selection<'a>,
    /// The SKU of a get-products item, whose OnDemand has no SKU level.
    item: Option<&'k str>,
}

impl<'de> DeserializeSeed<'de> for OnDemandSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OnDemandSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`terms.OnDemand`: an object of SKU to terms")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if let Some(sku) = self.item {
            // A get-products item: OnDemand holds the product's terms directly.
            let terms: BTreeMap<String, Term> =
                BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            return apply_terms(self.selection, sku, &terms);
        }
        while let Some(sku) = map.next_key::<String>()? {
            if !self.selection.kept.contains_key(&sku) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let terms: BTreeMap<String, Term> = map.next_value()?;
            apply_terms(self.selection, &sku, &terms)?;
        }
        Ok(())
    }
}

/// Records the on-demand price of a kept SKU from its terms.
fn apply_terms<E: serde::de::Error>(
    selection: &mut Selection<'_>,
    sku: &str,
    terms: &BTreeMap<String, Term>,
) -> Result<(), E> {
    let Some(priced) = selection.kept.get(sku).cloned() else { return Ok(()) };
    let at = format!("terms.OnDemand.{sku}");
    let mut currencies = BTreeSet::new();
    let mut found = None;
    for term in terms.values() {
        for dimension in term.price_dimensions.values() {
            let zero = dimension.begin_range.as_deref().is_none_or(|r| r == "0");
            if !zero || !dimension.unit.as_deref().is_some_and(hourly) {
                continue;
            }
            currencies.extend(dimension.price_per_unit.keys().cloned());
            if let Some(usd) = dimension.price_per_unit.get("USD") {
                found = Some(parse_price(usd).ok_or_else(|| format!("`{usd}` is not a price")));
            }
        }
    }
    let result = match found {
        Some(Ok(price)) => selection.price(sku, &priced, price, &at),
        Some(Err(message)) => Err(InputError::new(selection.origin, message).at(at)),
        None if !currencies.is_empty() => Err(InputError::new(
            selection.origin,
            format!("SKU {sku} is priced in {}, not USD", currencies.into_iter().collect::<Vec<_>>().join(", ")),
        )
        .at(at)
        .help("ecs-sim bills in USD; regions priced in another currency are not supported")),
        None => Ok(()),
    };
    result.map_err(|e| {
        selection.fail(e);
        E::custom("stopped at the first error")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_text() {
        assert_eq!(memory_mib("8 GiB"), Some(8192));
        assert_eq!(memory_mib("3.75 GiB"), Some(3840));
        assert_eq!(memory_mib("1,952 GiB"), Some(1_998_848));
        assert_eq!(memory_mib("512 MiB"), Some(512));
        assert_eq!(memory_mib("NA"), None);
    }
}

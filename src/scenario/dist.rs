//! Random distributions written in scenarios, for durations (`"5m"`) and for
//! sizes (plain numbers), sampled with rand_distr.

use crate::engine::{parse_duration, SimDuration};
use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal};
use serde::Deserialize;

/// A value in a distribution table: a duration string or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawValue {
    /// A number (sizes).
    Number(f64),
    /// A string (durations such as `"90s"`).
    Text(String),
}

/// A distribution as written: `{ dist = "uniform", min = "30s", max = "90s" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawDist {
    pub dist: String,
    pub value: Option<RawValue>,
    pub min: Option<RawValue>,
    pub max: Option<RawValue>,
    pub mean: Option<RawValue>,
    pub median: Option<RawValue>,
    pub std_dev: Option<RawValue>,
    pub sigma: Option<f64>,
}

/// A validated distribution over non-negative values, in the field's unit
/// (milliseconds for durations).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Fixed(f64),
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// The mean.
        mean: f64,
    },
    /// Log-normal with the given median and shape σ.
    LogNormal {
        /// The median, e^μ.
        median: f64,
        /// σ of the underlying normal.
        sigma: f64,
    },
    /// Normal; negative draws become zero.
    Normal {
        /// The mean.
        mean: f64,
        /// The standard deviation.
        std_dev: f64,
    },
}

/// Whether a distribution's values are durations or plain numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Duration strings, converted to milliseconds.
    Duration,
    /// Plain numbers.
    Number,
}

impl RawDist {
    /// Validates into a [`Dist`]; errors name the offending key.
    pub fn validate(&self, unit: Unit) -> Result<Dist, String> {
        let get = |key: &str, value: &Option<RawValue>| -> Result<f64, String> {
            let value = value.as_ref().ok_or_else(|| format!("`{}` distribution needs `{key}`", self.dist))?;
            let number = match (unit, value) {
                (Unit::Duration, RawValue::Text(text)) => {
                    parse_duration(text).map_err(|e| format!("`{key}`: {e}"))?.as_millis() as f64
                }
                (Unit::Duration, RawValue::Number(_)) => {
                    return Err(format!("`{key}` is a duration; write it with a unit, e.g. \"90s\""))
                }
                (Unit::Number, RawValue::Number(n)) => *n,
                (Unit::Number, RawValue::Text(t)) => return Err(format!("`{key}` must be a number, not \"{t}\"")),
            };
            if !number.is_finite() || number < 0.0 {
                return Err(format!("`{key}` must be zero or more"));
            }
            Ok(number)
        };
        let used: &[&str] = match self.dist.as_str() {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "exponential" => &["mean"],
            "lognormal" => &["median", "sigma"],
            "normal" => &["mean", "std_dev"],
            other => {
                return Err(format!(
                    "unknown distribution `{other}`; use fixed, uniform, exponential, lognormal or normal"
                ))
            }
        };
        let present = [
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("mean", self.mean.is_some()),
            ("median", self.median.is_some()),
            ("std_dev", self.std_dev.is_some()),
            ("sigma", self.sigma.is_some()),
        ];
        if let Some((key, _)) = present.iter().find(|(key, set)| *set && !used.contains(key)) {
            return Err(format!(
                "`{key}` does not apply to a `{}` distribution, which takes {}",
                self.dist,
                used.join(" and ")
            ));
        }
        Ok(match self.dist.as_str() {
            "fixed" => Dist::Fixed(get("value", &self.value)?),
            "uniform" => {
                let (min, max) = (get("min", &self.min)?, get("max", &self.max)?);
                if min > max {
                    return Err("`min` is larger than `max`".into());
                }
                Dist::Uniform { min, max }
            }
            "exponential" => Dist::Exponential { mean: get("mean", &self.mean)? },
            "lognormal" => {
                let sigma = self.sigma.ok_or("`lognormal` distribution needs `sigma`")?;
                if !(sigma.is_finite() && sigma >= 0.0) {
                    return Err("`sigma` must be zero or more".into());
                }
                Dist::LogNormal { median: get("median", &self.median)?, sigma }
            }
            _ => Dist::Normal { mean: get("mean", &self.mean)?, std_dev: get("std_dev", &self.std_dev)? },
        })
    }
}

impl Dist {
    /// Draws one value (never negative).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let value = match *self {
            Dist::Fixed(value) => value,
            Dist::Uniform { min, max } => {
                if max > min {
                    rng.gen_range(min..=max)
                } else {
                    min
                }
            }
            Dist::Exponential { mean } => match Exp::new(1.0 / mean) {
                Ok(exp) => exp.sample(rng),
                Err(_) => 0.0,
            },
            Dist::LogNormal { median, sigma } => match LogNormal::new(median.ln(), sigma) {
                Ok(lognormal) => lognormal.sample(rng),
                Err(_) => median,
            },
            Dist::Normal { mean, std_dev } => match Normal::new(mean, std_dev) {
                Ok(normal) => normal.sample(rng),
                Err(_) => mean,
            },
        };
        value.max(0.0)
    }

    /// The mean of its draws (before negative draws become zero, so a
    /// normal's mean is its `mean`, at least 0).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(value) => value,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Exponential { mean } => mean,
            Dist::LogNormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Dist::Normal { mean, .. } => mean.max(0.0),
        }
    }

    /// Draws a duration.
    pub fn sample_duration<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        SimDuration(self.sample(rng).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng_stream;

    fn raw(text: &str) -> RawDist {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn durations_and_numbers_validate() {
        let d = raw("dist = \"uniform\"\nmin = \"30s\"\nmax = \"90s\"").validate(Unit::Duration).unwrap();
        assert_eq!(d, Dist::Uniform { min: 30_000.0, max: 90_000.0 });
        let n = raw("dist = \"fixed\"\nvalue = 512").validate(Unit::Number).unwrap();
        assert_eq!(n, Dist::Fixed(512.0));
    }

    #[test]
    fn mistakes_are_explained() {
        let e = raw("dist = \"uniform\"\nmin = 30").validate(Unit::Duration).unwrap_err();
        assert!(e.contains("with a unit"), "{e}");
        let e = raw("dist = \"exponential\"\nmean = \"1m\"\nmax = \"2m\"").validate(Unit::Duration).unwrap_err();
        assert!(e.contains("does not apply"), "{e}");
        let e = raw("dist = \"gamma\"").validate(Unit::Number).unwrap_err();
        assert!(e.contains("unknown distribution"), "{e}");
    }

    #[test]
    fn samples_have_the_right_mean() {
        let mut rng = rng_stream(1, "test");
        let d = Dist::Exponential { mean: 100.0 };
        let mean = (0..20_000).map(|_| d.sample(&mut rng)).sum::<f64>() / 20_000.0;
        assert!((mean - 100.0).abs() < 5.0, "{mean}");
        let n = Dist::Normal { mean: 1.0, std_dev: 10.0 };
        assert!((0..1000).all(|_| n.sample(&mut rng) >= 0.0));
    }
}

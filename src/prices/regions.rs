//! Price List location names and the region codes they stand for, for offer
//! files (older ones) whose products have no `regionCode`.

/// `(location, region code)`, as the Price List names AWS Regions.
const LOCATIONS: [(&str, &str); 38] = [
    ("US East (N. Virginia)", "us-east-1"),
    ("US East (Ohio)", "us-east-2"),
    ("US West (N. California)", "us-west-1"),
    ("US West (Oregon)", "us-west-2"),
    ("Africa (Cape Town)", "af-south-1"),
    ("Asia Pacific (Hong Kong)", "ap-east-1"),
    ("Asia Pacific (Taipei)", "ap-east-2"),
    ("Asia Pacific (Mumbai)", "ap-south-1"),
    ("Asia Pacific (Hyderabad)", "ap-south-2"),
    ("Asia Pacific (Tokyo)", "ap-northeast-1"),
    ("Asia Pacific (Seoul)", "ap-northeast-2"),
    ("Asia Pacific (Osaka)", "ap-northeast-3"),
    ("Asia Pacific (Osaka-Local)", "ap-northeast-3"),
    ("Asia Pacific (Singapore)", "ap-southeast-1"),
    ("Asia Pacific (Sydney)", "ap-southeast-2"),
    ("Asia Pacific (Jakarta)", "ap-southeast-3"),
    ("Asia Pacific (Melbourne)", "ap-southeast-4"),
    ("Asia Pacific (Malaysia)", "ap-southeast-5"),
    ("Asia Pacific (Thailand)", "ap-southeast-7"),
    ("Canada (Central)", "ca-central-1"),
    ("Canada West (Calgary)", "ca-west-1"),
    ("EU (Frankfurt)", "eu-central-1"),
    ("EU (Zurich)", "eu-central-2"),
    ("EU (Ireland)", "eu-west-1"),
    ("EU (London)", "eu-west-2"),
    ("EU (Paris)", "eu-west-3"),
    ("EU (Milan)", "eu-south-1"),
    ("EU (Spain)", "eu-south-2"),
    ("EU (Stockholm)", "eu-north-1"),
    ("Israel (Tel Aviv)", "il-central-1"),
    ("Mexico (Central)", "mx-central-1"),
    ("Middle East (Bahrain)", "me-south-1"),
    ("Middle East (UAE)", "me-central-1"),
    ("South America (Sao Paulo)", "sa-east-1"),
    ("AWS GovCloud (US-East)", "us-gov-east-1"),
    ("AWS GovCloud (US)", "us-gov-west-1"),
    ("AWS GovCloud (US-West)", "us-gov-west-1"),
    ("China (Beijing)", "cn-north-1"),
];

/// The region code of a Price List location name, or `None` for a name not
/// in the table.
pub fn region_for_location(location: &str) -> Option<&'static str> {
    LOCATIONS.iter().find(|(name, _)| *name == location).map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_locations() {
        assert_eq!(region_for_location("EU (Ireland)"), Some("eu-west-1"));
        assert_eq!(region_for_location("US East (N. Virginia)"), Some("us-east-1"));
        assert_eq!(region_for_location("Moon (Base)"), None);
        let mut names: Vec<&str> = LOCATIONS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LOCATIONS.len(), "a location is listed twice");
    }
}

//! Checks on the header line of a tabular file (CSV label files, score tables).

/// The first column name that appears more than once in `names`, if any: a table with two
/// columns of one name is ambiguous (which of them holds the scores?), so readers refuse it
/// instead of silently using the first.
pub fn repeated_name<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|name| !seen.insert(*name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_repeat() {
        assert_eq!(repeated_name(["a", "b", "c"]), None);
        assert_eq!(repeated_name(["mos", "x", "mos", "x"]), Some("mos"));
    }
}

//! When two listed items are the same item: the same list, school, indicator and
//! shortcoming, compared after what clerks change without meaning to (whitespace of every
//! kind, a numbering prefix, a closing full stop or semicolon).

use crate::domain::squeeze;
use crate::model::Item;
use crate::normalize::strip_numbering;

use super::ItemLevel;

/// The key an item of a submission is matched by.
pub fn match_key(level: ItemLevel, school: Option<&str>, item: &Item) -> String {
    key(level, school, item.indicator.as_deref(), &item.shortcoming)
}

pub(super) fn key(
    level: ItemLevel,
    school: Option<&str>,
    indicator: Option<&str>,
    shortcoming: &str,
) -> String {
    let level = match level {
        ItemLevel::School => "S",
        ItemLevel::County => "C",
    };
    format!(
        "{level}\u{1f}{}\u{1f}{}\u{1f}{}",
        squeeze(school.unwrap_or_default()),
        indicator.unwrap_or_default(),
        shortcoming_key(shortcoming)
    )
}

fn shortcoming_key(text: &str) -> String {
    let squeezed = squeeze(strip_numbering(text.trim()));
    squeezed
        .trim_end_matches(['。', '；', ';', '.', '，', ','])
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_numbering_and_a_final_stop_do_not_make_another_item() {
        let a = key(
            ItemLevel::School,
            Some("城关小学"),
            Some("R1"),
            "1. 生均教学辅助用房面积不足。",
        );
        let b = key(
            ItemLevel::School,
            Some("城关 小学"),
            Some("R1"),
            "生均教学辅助用房\n面积不足",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn school_indicator_level_and_wording_each_tell_items_apart() {
        let base = key(ItemLevel::School, Some("甲校"), Some("R1"), "面积不足");
        for other in [
            key(ItemLevel::School, Some("乙校"), Some("R1"), "面积不足"),
            key(ItemLevel::School, Some("甲校"), Some("R2"), "面积不足"),
            key(ItemLevel::County, Some("甲校"), Some("R1"), "面积不足"),
            key(ItemLevel::School, Some("甲校"), Some("R1"), "面积严重不足"),
            key(ItemLevel::School, Some("甲校"), None, "面积不足"),
        ] {
            assert_ne!(base, other);
        }
    }
}

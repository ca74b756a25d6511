//! The notice every filing answers, 浙政教督办〔2019〕5号, as data: its title and number,
//! the forms' titles, its deadlines and the province's goals. One place, so the status page,
//! the documents and the roll-up quote the same words and numbers.

use chrono::NaiveDate;

use crate::model::PlanYear;

/// The notice's title as documents quote it, with its book-title marks.
pub const TITLE: &str = "《关于加快推进我省义务教育优质均衡发展的通知》";
/// The notice's document number (发文字号).
pub const NUMBER: &str = "浙政教督办〔2019〕5号";
/// 附件1's title.
pub const SCHOOL_LIST_TITLE: &str = "义务教育学校达到优质均衡目标整改清单";
/// 附件2's title.
pub const COUNTY_LIST_TITLE: &str = "县级政府达到优质均衡目标整改清单";
/// 附件3's title.
pub const TIMETABLE_TITLE: &str = "创建全国义务教育优质均衡发展县（市、区）时间表";

/// Counties file 附件1, 附件2 and their plan year with their city bureau by this day
/// (`[deadlines] county` overrides it).
pub const COUNTY_DEADLINE: (i32, u32, u32) = (2019, 5, 31);
/// Cities send 附件3 to the province by this day (`[deadlines] city` overrides it).
pub const CITY_DEADLINE: (i32, u32, u32) = (2019, 6, 30);

/// A deadline as a date.
pub fn day((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

/// The province's goal for one year: the share of counties that pass the national
/// assessment by the end of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goal {
    pub year: PlanYear,
    pub percent: u32,
}

/// 20% of the counties by 2020, 50% by 2022.
pub const GOALS: [Goal; 2] = [
    Goal {
        year: PlanYear::Y2020,
        percent: 20,
    },
    Goal {
        year: PlanYear::Y2022,
        percent: 50,
    },
];

/// The goal for `year`, when the notice sets one.
pub fn goal_for(year: PlanYear) -> Option<u32> {
    GOALS.iter().find(|g| g.year == year).map(|g| g.percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_goals_are_the_notices() {
        assert_eq!(goal_for(PlanYear::Y2020), Some(20));
        assert_eq!(goal_for(PlanYear::Y2022), Some(50));
        assert_eq!(goal_for(PlanYear::Y2021), None);
        assert_eq!(day(COUNTY_DEADLINE).to_string(), "2019-05-31");
        assert!(day(COUNTY_DEADLINE) < day(CITY_DEADLINE));
    }
}

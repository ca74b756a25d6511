//! The notice every filing answers, 浙政教督办〔2019〕5号, as data, in the notice's order: who
//! issued it, its title and number, its deadlines and the province's goals, then its three
//! attachments as it prints them (labels, titles, column headers, the fields above each table,
//! the 注 below it) and the plan years 附件3 has columns for. One place, so the template clerks
//! fill, the reader that finds the forms again, the documents, the roll-up and the status page
//! quote the same words and numbers.
//!
//! A few words here are gongwen's, not the notice's, because they sit in the notice's forms:
//! the short names of the lists (学校整改清单, used for sheets, files and messages), the
//! template's optional 对应指标 column and its 创建时间 sheet. Each is marked so.

use chrono::NaiveDate;

use crate::calendar::YearMonth;
use crate::model::PlanYear;

/// The office that issued the notice, and to which the cities report.
pub const ISSUER: &str = "浙江省人民政府教育督导委员会办公室";
/// The notice's title as documents quote it, with its book-title marks.
pub const TITLE: &str = "《关于加快推进我省义务教育优质均衡发展的通知》";
/// The notice's document number (发文字号).
pub const NUMBER: &str = "浙政教督办〔2019〕5号";

/// Counties file 附件1, 附件2 and their plan year with their city bureau by this day
/// (`[deadlines] county` overrides it).
pub const COUNTY_DEADLINE: (i32, u32, u32) = (2019, 5, 31);
/// Cities send 附件3 to the province by this day (`[deadlines] city` overrides it).
pub const CITY_DEADLINE: (i32, u32, u32) = (2019, 6, 30);

/// The day the notice was issued (2019年3月29日); the blank workbook carries it as its
/// creation date, so its bytes never change.
pub const DATE: (i32, u32, u32) = (2019, 3, 29);

/// The first month a 完成时限 can be offered in: the notice's own.
pub const FIRST_DEADLINE_MONTH: YearMonth = YearMonth::known(2019, 3);
/// The last month offered: the notice's programme runs to 2023年及以后.
pub const LAST_DEADLINE_MONTH: YearMonth = YearMonth::known(2023, 12);

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

/// A column of 附件1 or 附件2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    School,
    Shortcoming,
    Measure,
    Deadline,
    /// gongwen's, not the notice's: the template's optional column naming the indicator a
    /// shortcoming answers, after the notice's columns. The documents do not print it.
    Indicator,
}

impl Column {
    /// The header as printed, in the template and the documents alike.
    pub const fn header(self) -> &'static str {
        match self {
            Column::School => "学校名称",
            Column::Shortcoming => "存在不足情况",
            Column::Measure => "整改提升措施",
            Column::Deadline => "完成时限",
            Column::Indicator => "对应指标（可选）",
        }
    }
}

/// The first field above each list's table: 县（市、区）名称：西湖区.
pub const COUNTY_FIELD: &str = "县（市、区）名称";
/// The second field above each list's table, and above 附件3's: 填报日期：2019年5月20日.
pub const FILED_ON_FIELD: &str = "填报日期";

/// One of the notice's two lists (附件1, 附件2) as it prints them.
#[derive(Debug, PartialEq, Eq)]
pub struct Form {
    /// `附件1`, above the title.
    pub label: &'static str,
    pub title: &'static str,
    /// gongwen's short name of the list: the template's sheet, the rendered file's name and
    /// the reader's messages.
    pub name: &'static str,
    /// The table's columns, in order (without gongwen's [`Column::Indicator`]).
    pub columns: &'static [Column],
    /// The 注 under the table, verbatim but without their numbers: the template's footer,
    /// its instructions sheet and the documents all number them the same way
    /// ([`Form::numbered_notes`]).
    pub notes: &'static [&'static str],
}

/// 附件1: each school's shortcomings.
pub const SCHOOL_LIST: Form = Form {
    label: "附件1",
    title: "义务教育学校达到优质均衡目标整改清单",
    name: "学校整改清单",
    columns: &[
        Column::School,
        Column::Shortcoming,
        Column::Measure,
        Column::Deadline,
    ],
    notes: &[
        "学校必须按照物理独立校区填报，如一校多区必须分开自查后分开填报。",
        "存在不足情况按照《办法》31项指标中要求学校达标的每一项指标要求逐项填报；达标项目不用填报。",
        "完成时限精确到月份。",
    ],
};

/// 附件2: the county government's own shortcomings.
pub const COUNTY_LIST: Form = Form {
    label: "附件2",
    title: "县级政府达到优质均衡目标整改清单",
    name: "县级政府整改清单",
    columns: &[Column::Shortcoming, Column::Measure, Column::Deadline],
    notes: &[
        "存在不足情况按照《办法》31项指标中要求县级政府达标的每一项指标要求逐项填报；达标项目不用填报。",
        "完成时限精确到月份。",
    ],
};

impl Form {
    /// The headers of [`Form::columns`].
    pub fn headers(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.header()).collect()
    }

    /// The 注 numbered as printed: `1.学校必须按照物理独立校区填报…`.
    pub fn numbered_notes(&self) -> Vec<String> {
        self.notes
            .iter()
            .enumerate()
            .map(|(i, note)| format!("{}.{note}", i + 1))
            .collect()
    }

    /// `附件1学校整改清单`: how a message names the list.
    pub fn full_name(&self) -> String {
        format!("{}{}", self.label, self.name)
    }

    /// `附件1_学校整改清单_西湖区`: the rendered list of `owner`, without extension.
    pub fn file_stem(&self, owner: &str) -> String {
        file_stem(self.label, self.name, owner)
    }
}

fn file_stem(label: &str, name: &str, owner: &str) -> String {
    format!("{label}_{name}_{owner}")
}

/// 附件3, which each city fills: its counties under the year each plans to pass the
/// assessment, one column per [`PlanYear`] ([`plan_year_labels`]).
#[derive(Debug, PartialEq, Eq)]
pub struct Timetable {
    pub label: &'static str,
    pub title: &'static str,
    /// [`Timetable::title`] in words, where a line may break: too long for one line of a
    /// title on a portrait page, it is broken where the notice breaks it.
    pub title_words: &'static [&'static str],
    /// gongwen's short name: the rendered file's name.
    pub name: &'static str,
    /// The field above the table naming the city bureau (with （盖章）), before
    /// [`FILED_ON_FIELD`].
    pub unit_field: &'static str,
    /// The header of the first column, the city's: under the diagonal of the head cell.
    pub city_header: &'static str,
    /// Above the diagonal of the head cell (县（市、区）╲ 设区市): what the year columns list.
    pub corner_header: &'static str,
    /// The first cell of the totals row under the table.
    pub totals: &'static str,
}

/// 附件3.
pub const TIMETABLE: Timetable = Timetable {
    label: "附件3",
    title: "创建全国义务教育优质均衡发展县（市、区）时间表",
    title_words: &[
        "创建全国",
        "义务教育",
        "优质均衡发展",
        "县（市、区）",
        "时间表",
    ],
    name: "创建时间表",
    unit_field: "填报单位",
    city_header: "设区市",
    corner_header: "县（市、区）",
    totals: "合计（个）",
};

impl Timetable {
    /// The header row: 设区市, then one column per plan year.
    pub fn headers(&self) -> Vec<&'static str> {
        let mut headers = vec![self.city_header];
        headers.extend(plan_year_labels());
        headers
    }

    /// `附件3_创建时间表_杭州市`: the rendered timetable of `city`, without extension.
    pub fn file_stem(&self, city: &str) -> String {
        file_stem(self.label, self.name, city)
    }
}

/// 附件3's year columns, 2019年 … 2023年及以后: [`PlanYear::label`] is their one spelling.
pub fn plan_year_labels() -> [&'static str; 5] {
    PlanYear::ALL.map(PlanYear::label)
}

/// `2019年、2020年、2021年、2022年或2023年及以后`: the choices, for instructions and messages.
pub fn plan_year_choices() -> String {
    let labels = plan_year_labels();
    let (last, rest) = labels.split_last().unwrap_or((&"", &[]));
    format!("{}或{last}", rest.join("、"))
}

/// The county's 创建时间, which the notice asks for beside the lists and 附件3 collects. The
/// form is gongwen's: the template gives it a sheet of one row with these words, and the
/// reader knows them.
#[derive(Debug, PartialEq, Eq)]
pub struct PlanForm {
    /// The template's sheet.
    pub name: &'static str,
    pub title: &'static str,
    pub county_header: &'static str,
    pub city_header: &'static str,
    /// The header of the year, also read as a label (计划创建年份：2020年) anywhere.
    pub year_header: &'static str,
}

/// The 创建时间 sheet.
pub const PLAN: PlanForm = PlanForm {
    name: "创建时间",
    title: "创建全国义务教育优质均衡发展县（市、区）时间",
    county_header: "县（市、区）",
    city_header: "所属设区市",
    year_header: "计划创建年份",
};

impl PlanForm {
    /// The header row, in order.
    pub const fn headers(&self) -> [&'static str; 3] {
        [self.county_header, self.city_header, self.year_header]
    }
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

    #[test]
    fn the_lists_share_the_notices_columns_and_notes() {
        // 附件2 is 附件1 without the school: same columns after it, same last note.
        assert_eq!(SCHOOL_LIST.columns[1..], *COUNTY_LIST.columns);
        assert_eq!(SCHOOL_LIST.notes.last(), COUNTY_LIST.notes.last());
        assert!(!SCHOOL_LIST.columns.contains(&Column::Indicator));
        assert_eq!(
            SCHOOL_LIST.headers(),
            ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
        );
        assert_eq!(COUNTY_LIST.numbered_notes()[1], "2.完成时限精确到月份。");
        assert_eq!(SCHOOL_LIST.full_name(), "附件1学校整改清单");
        assert_eq!(
            COUNTY_LIST.file_stem("西湖区"),
            "附件2_县级政府整改清单_西湖区"
        );
        // The short name is the title's words: the reader finds a list by either.
        for form in [&SCHOOL_LIST, &COUNTY_LIST] {
            let (who, _) = form.name.split_once("整改清单").unwrap();
            assert!(form.title.contains(who) && form.title.ends_with("整改清单"));
        }
    }

    #[test]
    fn the_timetables_columns_are_the_plan_years() {
        assert_eq!(TIMETABLE.title_words.concat(), TIMETABLE.title);
        let headers = TIMETABLE.headers();
        assert_eq!(headers[0], "设区市");
        assert_eq!(
            headers[1..],
            ["2019年", "2020年", "2021年", "2022年", "2023年及以后"]
        );
        for (year, header) in PlanYear::ALL.iter().zip(&headers[1..]) {
            assert_eq!(year.label(), *header);
        }
        assert_eq!(
            plan_year_choices(),
            "2019年、2020年、2021年、2022年或2023年及以后"
        );
        assert_eq!(TIMETABLE.file_stem("杭州市"), "附件3_创建时间表_杭州市");
        // The 创建时间 sheet is titled as 附件3, for one county: without 表.
        assert_eq!(Some(PLAN.title), TIMETABLE.title.strip_suffix('表'));
    }
}

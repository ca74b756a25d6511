//! 挂图作战、销号管理、倒逼机制: every accepted rectification item under an ID a clerk can
//! quote, its state, and the history of how it got there.
//!
//! A county's ledger (`archive/tracking/<code>.json`) is changed by three kinds of file, each
//! archived like any filing: the county's list (items appear, are revised or withdrawn), the
//! county's progress report (整改进展表: 未启动 / 推进中 / 已完成), and the city's review
//! (整改进展汇总: 同意销号 closes an item, 退回重改 sends it back). Every change is an
//! [`Event`] with its date and source file, and applying the same file twice changes nothing,
//! so a daemon that stops half way applies it again on restart without harm.
//!
//! Whether an item is 逾期 is not stored: it depends on the day asked about
//! ([`TrackedItem::overdue_days`]).

mod identity;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::archive::Layout;
use crate::calendar::YearMonth;
use crate::model::{CountyRef, Item, Submission};

pub use identity::match_key;

/// Schema identifier of a county's ledger file.
pub const LEDGER_SCHEMA: &str = "gongwen.tracking/1";

/// An item's ID: the county's 6-digit division code and a number the county's items never
/// share, e.g. `330106-017`. Never reused, kept across resubmissions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId {
    county: String,
    seq: u32,
}

impl ItemId {
    pub fn new(county_code: &str, seq: u32) -> ItemId {
        ItemId {
            county: county_code.to_owned(),
            seq,
        }
    }

    pub fn county_code(&self) -> &str {
        &self.county
    }

    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// Reads `330106-017` (surrounding whitespace allowed, as a cell may hold it).
    pub fn parse(text: &str) -> Option<ItemId> {
        let (county, seq) = text.trim().split_once('-')?;
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if county.len() != 6 || !digits(county) || !digits(seq) || seq.len() > 6 {
            return None;
        }
        Some(ItemId::new(county, seq.parse().ok()?))
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.county, self.seq)
    }
}

impl FromStr for ItemId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ItemId::parse(s).ok_or_else(|| format!("not an item ID (330106-017): {s}"))
    }
}

impl Serialize for ItemId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ItemId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Which list an item is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemLevel {
    /// 附件1, a school's item.
    School,
    /// 附件2, the county government's item.
    County,
}

/// Where an item stands. The county reports the first three; 已销号 is the city's word, 已撤回
/// the result of a revised list that no longer holds the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 未启动.
    NotStarted,
    /// 推进中.
    InProgress,
    /// 已完成: reported done by the county, awaiting the city's 销号.
    Completed,
    /// 已销号: the city agreed.
    Closed,
    /// 已撤回: no longer on the county's list.
    Withdrawn,
}

impl Status {
    /// What a clerk may choose in the progress workbook's 进展状态 column, in its order.
    pub const REPORTABLE: [Status; 3] = [Status::NotStarted, Status::InProgress, Status::Completed];

    /// Every state, in the order views count them.
    pub const ALL: [Status; 5] = [
        Status::NotStarted,
        Status::InProgress,
        Status::Completed,
        Status::Closed,
        Status::Withdrawn,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "未启动",
            Status::InProgress => "推进中",
            Status::Completed => "已完成",
            Status::Closed => "已销号",
            Status::Withdrawn => "已撤回",
        }
    }

    /// Reads a 进展状态 cell: the three reportable words (whitespace ignored).
    pub fn from_label(text: &str) -> Option<Status> {
        let text = crate::domain::squeeze(text);
        Status::REPORTABLE.into_iter().find(|s| s.label() == text)
    }

    /// Still on the county's hands: neither closed nor withdrawn.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Withdrawn)
    }
}

/// The city's 核查意见 on an item reported done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 同意销号.
    Agree,
    /// 退回重改.
    Return,
}

impl Verdict {
    pub const ALL: [Verdict; 2] = [Verdict::Agree, Verdict::Return];

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Agree => "同意销号",
            Verdict::Return => "退回重改",
        }
    }

    pub fn from_label(text: &str) -> Option<Verdict> {
        let text = crate::domain::squeeze(text);
        Verdict::ALL.into_iter().find(|v| v.label() == text)
    }
}

/// The file a change came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// The name it was dropped under.
    pub file: String,
    pub sha256: String,
}

impl From<&crate::model::Source> for SourceRef {
    fn from(source: &crate::model::Source) -> Self {
        SourceRef {
            file: source.file.clone(),
            sha256: source.sha256.clone(),
        }
    }
}

/// What happened to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// First on a list.
    Listed,
    /// On a revised list with a changed measure or deadline.
    Revised { measure: bool, deadline: bool },
    /// No longer on the county's list.
    Withdrawn,
    /// Back on the list after it was withdrawn.
    Reinstated,
    /// The county reported a state.
    Reported { from: Status, to: Status },
    /// The city agreed: 销号.
    Closed,
    /// The city sent it back: 退回重改.
    Returned { remark: String },
}

impl Change {
    /// One line for a receipt or the history view.
    pub fn describe_zh(&self) -> String {
        match self {
            Change::Listed => "列入整改清单".to_owned(),
            Change::Revised { measure, deadline } => {
                let what: Vec<&str> = [(*measure, "整改提升措施"), (*deadline, "完成时限")]
                    .into_iter()
                    .filter_map(|(changed, word)| changed.then_some(word))
                    .collect();
                format!("修订{}", what.join("、"))
            }
            Change::Withdrawn => "从整改清单中撤回".to_owned(),
            Change::Reinstated => "重新列入整改清单".to_owned(),
            Change::Reported { from, to } => format!("进展由{}改为{}", from.label(), to.label()),
            Change::Closed => "设区市核查同意销号".to_owned(),
            Change::Returned { remark } if remark.is_empty() => "设区市核查退回重改".to_owned(),
            Change::Returned { remark } => format!("设区市核查退回重改：{remark}"),
        }
    }
}

/// One dated change of an item, with the file that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub on: NaiveDate,
    pub source: SourceRef,
    #[serde(flatten)]
    pub change: Change,
}

/// One rectification item under tracking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedItem {
    pub id: ItemId,
    pub level: ItemLevel,
    /// The campus (附件1); `None` for the county government's items.
    pub school: Option<String>,
    pub shortcoming: String,
    pub indicator: Option<String>,
    pub measure: String,
    pub deadline: Option<YearMonth>,
    pub status: Status,
    /// 完成时间 as the county reported it.
    pub completed_in: Option<YearMonth>,
    /// 完成情况.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub completion: String,
    /// 佐证材料: where the evidence is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
    /// The city's remark when it last sent the item back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_remark: Option<String>,
    /// The day of the city's review that closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<NaiveDate>,
    pub history: Vec<Event>,
}

impl TrackedItem {
    /// The last day of the deadline month: the item is due by then.
    pub fn due_by(&self) -> Option<NaiveDate> {
        self.deadline.map(last_day)
    }

    /// Days past the deadline as of `as_of` for an item not 销号 (nor withdrawn); `None` when
    /// it is not overdue.
    pub fn overdue_days(&self, as_of: NaiveDate) -> Option<i64> {
        if !self.status.is_open() {
            return None;
        }
        let due = self.due_by()?;
        (as_of > due).then(|| (as_of - due).num_days())
    }

    /// 销号 by the end of its deadline month.
    pub fn closed_on_time(&self) -> bool {
        match (self.closed_on, self.due_by()) {
            (Some(closed), Some(due)) => closed <= due,
            _ => false,
        }
    }

    /// The level's word as the lists have it: the school's name, or 县级政府.
    pub fn owner(&self) -> &str {
        self.school.as_deref().unwrap_or("县级政府")
    }

    fn record(&mut self, on: NaiveDate, source: &SourceRef, change: Change) {
        self.history.push(Event {
            on,
            source: source.clone(),
            change,
        });
    }
}

/// The last day of a month.
pub fn last_day(month: YearMonth) -> NaiveDate {
    let next = month.next();
    NaiveDate::from_ymd_opt(next.year(), next.month(), 1)
        .and_then(|d| d.pred_opt())
        .expect("a month within chrono's range")
}

/// One county's items, their states and what changed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub schema: String,
    pub county: CountyRef,
    /// The next ID number to give.
    pub next_seq: u32,
    /// The list the items now come from: a progress workbook made from another list is out
    /// of date.
    pub list: Option<SourceRef>,
    /// 填报日期 of that list.
    pub list_filed_on: Option<NaiveDate>,
    /// Every file applied, by SHA-256: applied again, it changes nothing.
    pub applied: Vec<String>,
    /// By ID number.
    pub items: Vec<TrackedItem>,
}

/// What a list did to the ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListChanges {
    /// The ID of each item of the submission, 附件1's in order (school by school), then 附件2's.
    pub ids: Vec<ItemId>,
    pub added: Vec<ItemId>,
    pub revised: Vec<ItemId>,
    pub withdrawn: Vec<ItemId>,
    pub reinstated: Vec<ItemId>,
}

/// One row of a county's progress report, read and checked at its cells by the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRow {
    pub id: ItemId,
    pub status: Status,
    pub completed_in: Option<YearMonth>,
    pub completion: String,
    pub evidence: String,
}

/// What a progress report did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressChanges {
    /// Reported 已完成 now, not before.
    pub completed: Vec<ItemId>,
    /// Reported 未启动 or 推进中 after 已完成.
    pub reopened: Vec<ItemId>,
    /// Other state changes (未启动 → 推进中 …).
    pub advanced: Vec<ItemId>,
    /// Rows about items already 销号: left as they are.
    pub already_closed: Vec<ItemId>,
}

/// One row of a city's review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: ItemId,
    pub verdict: Verdict,
    pub remark: String,
}

/// What a review did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChanges {
    pub closed: Vec<ItemId>,
    pub returned: Vec<ItemId>,
    /// Rows about items not awaiting review (not 已完成): left as they are.
    pub not_awaiting: Vec<ItemId>,
}

/// A file's rows name an ID the ledger does not hold (the reader checks this first; the
/// ledger refuses rather than guess).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown item {0}")]
pub struct UnknownItem(pub ItemId);

impl Ledger {
    pub fn new(county: CountyRef) -> Ledger {
        Ledger {
            schema: LEDGER_SCHEMA.to_owned(),
            county,
            next_seq: 1,
            list: None,
            list_filed_on: None,
            applied: Vec::new(),
            items: Vec::new(),
        }
    }

    pub fn item(&self, id: &ItemId) -> Option<&TrackedItem> {
        self.items.iter().find(|i| &i.id == id)
    }

    fn item_mut(&mut self, id: &ItemId) -> Option<&mut TrackedItem> {
        self.items.iter_mut().find(|i| &i.id == id)
    }

    /// Items still on the list (not withdrawn), in ID order.
    pub fn current(&self) -> impl Iterator<Item = &TrackedItem> {
        self.items.iter().filter(|i| i.status != Status::Withdrawn)
    }

    /// Whether the file with this hash has been applied.
    pub fn has_applied(&self, sha256: &str) -> bool {
        self.applied.iter().any(|s| s == sha256)
    }

    /// Takes an accepted list: each item keeps the ID of the item it is the same as (same
    /// list, school, indicator and shortcoming, whitespace and numbering aside), new items get
    /// new IDs, items no longer listed are withdrawn. Applying the same list again changes
    /// nothing and gives the same IDs.
    pub fn apply_list(&mut self, sub: &Submission, on: NaiveDate) -> ListChanges {
        let source = SourceRef::from(&sub.source);
        let again = self.has_applied(&source.sha256);
        let listed = listed_items(sub);
        let mut changes = ListChanges::default();
        // Each old item matches at most one new one, first come first served, so two equal
        // rows keep two IDs.
        let mut free: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, item) in self.items.iter().enumerate() {
            free.entry(item_key(item)).or_default().push(index);
        }
        let mut matched = vec![false; self.items.len()];
        for (level, school, item) in &listed {
            let key = match_key(*level, *school, item);
            let found = free
                .get_mut(&key)
                .and_then(|slots| (!slots.is_empty()).then(|| slots.remove(0)));
            let id = match found {
                Some(index) => {
                    matched[index] = true;
                    let tracked = &mut self.items[index];
                    if !again {
                        update_listed(tracked, item, on, &source, &mut changes);
                    }
                    tracked.id.clone()
                }
                None => {
                    let id = ItemId::new(&self.county.code, self.next_seq);
                    self.next_seq += 1;
                    let mut tracked = TrackedItem {
                        id: id.clone(),
                        level: *level,
                        school: school.map(str::to_owned),
                        shortcoming: item.shortcoming.clone(),
                        indicator: item.indicator.clone(),
                        measure: item.measure.clone(),
                        deadline: item.deadline,
                        status: Status::NotStarted,
                        completed_in: None,
                        completion: String::new(),
                        evidence: String::new(),
                        returned_remark: None,
                        closed_on: None,
                        history: Vec::new(),
                    };
                    tracked.record(on, &source, Change::Listed);
                    self.items.push(tracked);
                    matched.push(true);
                    changes.added.push(id.clone());
                    id
                }
            };
            changes.ids.push(id);
        }
        if !again {
            for (index, item) in self.items.iter_mut().enumerate() {
                if !matched[index] && item.status != Status::Withdrawn {
                    item.status = Status::Withdrawn;
                    item.record(on, &source, Change::Withdrawn);
                    changes.withdrawn.push(item.id.clone());
                }
            }
            self.list = Some(source.clone());
            self.list_filed_on = sub.filed_on;
            self.applied.push(source.sha256);
        }
        changes
    }

    /// Takes a county's progress report. The reader has checked its rows (known IDs, each
    /// once, 已完成 with its time and description); a row naming an unknown item is refused.
    pub fn apply_progress(
        &mut self,
        rows: &[ProgressRow],
        source: &SourceRef,
        on: NaiveDate,
    ) -> Result<ProgressChanges, UnknownItem> {
        if let Some(row) = rows.iter().find(|r| self.item(&r.id).is_none()) {
            return Err(UnknownItem(row.id.clone()));
        }
        let mut changes = ProgressChanges::default();
        if self.has_applied(&source.sha256) {
            return Ok(changes);
        }
        for row in rows {
            let item = self.item_mut(&row.id).expect("checked above");
            if item.status == Status::Closed || item.status == Status::Withdrawn {
                changes.already_closed.push(row.id.clone());
                continue;
            }
            let from = item.status;
            if row.status == Status::Completed {
                item.completed_in = row.completed_in;
            }
            item.completion = row.completion.clone();
            item.evidence = row.evidence.clone();
            if from == row.status {
                continue;
            }
            item.status = row.status;
            item.record(
                on,
                source,
                Change::Reported {
                    from,
                    to: row.status,
                },
            );
            let list = if row.status == Status::Completed {
                &mut changes.completed
            } else if from == Status::Completed {
                &mut changes.reopened
            } else {
                &mut changes.advanced
            };
            list.push(row.id.clone());
        }
        self.applied.push(source.sha256.clone());
        Ok(changes)
    }

    /// Takes the city's review: 同意销号 closes an item reported 已完成, 退回重改 sends it
    /// back to 推进中 with the remark. Rows about items not awaiting review change nothing.
    pub fn apply_review(
        &mut self,
        rows: &[ReviewRow],
        source: &SourceRef,
        on: NaiveDate,
    ) -> Result<ReviewChanges, UnknownItem> {
        if let Some(row) = rows.iter().find(|r| self.item(&r.id).is_none()) {
            return Err(UnknownItem(row.id.clone()));
        }
        let mut changes = ReviewChanges::default();
        if self.has_applied(&source.sha256) {
            return Ok(changes);
        }
        for row in rows {
            let item = self.item_mut(&row.id).expect("checked above");
            if item.status != Status::Completed {
                changes.not_awaiting.push(row.id.clone());
                continue;
            }
            match row.verdict {
                Verdict::Agree => {
                    item.status = Status::Closed;
                    item.closed_on = Some(on);
                    item.returned_remark = None;
                    item.record(on, source, Change::Closed);
                    changes.closed.push(row.id.clone());
                }
                Verdict::Return => {
                    item.status = Status::InProgress;
                    item.returned_remark = Some(row.remark.clone());
                    item.record(
                        on,
                        source,
                        Change::Returned {
                            remark: row.remark.clone(),
                        },
                    );
                    changes.returned.push(row.id.clone());
                }
            }
        }
        self.applied.push(source.sha256.clone());
        Ok(changes)
    }

    /// Items past their deadline and not 销号 as of `as_of`, most overdue first.
    pub fn overdue(&self, as_of: NaiveDate) -> Vec<(&TrackedItem, i64)> {
        let mut late: Vec<_> = self
            .items
            .iter()
            .filter_map(|i| i.overdue_days(as_of).map(|d| (i, d)))
            .collect();
        late.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        late
    }

    /// How many current items are in each state.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut counts = BTreeMap::new();
        for item in self.current() {
            *counts.entry(item.status).or_insert(0) += 1;
        }
        counts
    }

    /// 年度考核 for `year`: the items due that year and how they ended, as of `as_of`.
    pub fn annual(&self, year: i32, as_of: NaiveDate) -> Annual {
        let mut annual = Annual::default();
        for item in self.current() {
            if item.deadline.map(YearMonth::year) != Some(year) {
                continue;
            }
            annual.due += 1;
            match item.closed_on {
                Some(_) if item.closed_on_time() => annual.on_time += 1,
                Some(closed) if closed <= as_of => annual.late += 1,
                _ => annual.open += 1,
            }
        }
        annual
    }

    /// `archive/tracking/<code>.json`.
    pub fn path(layout: &Layout, county_code: &str) -> std::path::PathBuf {
        layout
            .archive
            .join("tracking")
            .join(format!("{county_code}.json"))
    }

    /// The county's ledger, or `None` before its first accepted list.
    pub fn load(layout: &Layout, county_code: &str) -> io::Result<Option<Ledger>> {
        match std::fs::read(Ledger::path(layout, county_code)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every county's ledger, by county code.
    pub fn load_all(layout: &Layout) -> io::Result<BTreeMap<String, Ledger>> {
        let dir = layout.archive.join("tracking");
        let mut all = BTreeMap::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(all),
            Err(e) => return Err(e),
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
            .collect();
        names.sort();
        for name in names {
            let code = name.trim_end_matches(".json");
            if let Some(ledger) = Ledger::load(layout, code)? {
                all.insert(code.to_owned(), ledger);
            }
        }
        Ok(all)
    }

    /// Writes the ledger atomically; call under the archive lock.
    pub fn save(&self, layout: &Layout) -> io::Result<()> {
        crate::archive::write_json(&Ledger::path(layout, &self.county.code), self)
    }
}

/// 年度考核 of one county for one year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Annual {
    /// Items whose deadline falls in the year.
    pub due: usize,
    /// 销号 by the end of the deadline month.
    pub on_time: usize,
    /// 销号 after it.
    pub late: usize,
    /// Not 销号 yet.
    pub open: usize,
}

impl Annual {
    /// The share 销号 on time, in percent (`None` when nothing was due).
    pub fn rate(&self) -> Option<f64> {
        (self.due > 0).then(|| 100.0 * self.on_time as f64 / self.due as f64)
    }

    pub fn add(&mut self, other: Annual) {
        self.due += other.due;
        self.on_time += other.on_time;
        self.late += other.late;
        self.open += other.open;
    }
}

/// Writes the IDs a list was given ([`ListChanges::ids`], in the same order) onto its items.
pub fn set_ids(sub: &mut Submission, ids: &[ItemId]) {
    let items = sub
        .schools
        .iter_mut()
        .flat_map(|s| s.items.iter_mut())
        .chain(sub.county_items.iter_mut());
    for (item, id) in items.zip(ids) {
        item.id = Some(id.clone());
    }
}

/// The items of a submission in list order with their level and school.
fn listed_items(sub: &Submission) -> Vec<(ItemLevel, Option<&str>, &Item)> {
    let schools = sub.schools.iter().flat_map(|school| {
        school
            .items
            .iter()
            .map(move |item| (ItemLevel::School, Some(school.name.as_str()), item))
    });
    let county = sub
        .county_items
        .iter()
        .map(|item| (ItemLevel::County, None, item));
    schools.chain(county).collect()
}

fn item_key(item: &TrackedItem) -> String {
    identity::key(
        item.level,
        item.school.as_deref(),
        item.indicator.as_deref(),
        &item.shortcoming,
    )
}

/// An item found again on a new list: its wording and deadline follow the list, a
/// withdrawn item comes back.
fn update_listed(
    tracked: &mut TrackedItem,
    item: &Item,
    on: NaiveDate,
    source: &SourceRef,
    changes: &mut ListChanges,
) {
    if tracked.status == Status::Withdrawn {
        // Back where it was before it was withdrawn.
        tracked.status = tracked
            .history
            .iter()
            .rev()
            .find_map(|e| match &e.change {
                Change::Reported { to, .. } => Some(*to),
                Change::Returned { .. } => Some(Status::InProgress),
                Change::Closed => Some(Status::Closed),
                _ => None,
            })
            .unwrap_or(Status::NotStarted);
        tracked.record(on, source, Change::Reinstated);
        changes.reinstated.push(tracked.id.clone());
    }
    let measure = tracked.measure != item.measure;
    let deadline = tracked.deadline != item.deadline;
    tracked.shortcoming = item.shortcoming.clone();
    if measure || deadline {
        tracked.measure = item.measure.clone();
        tracked.deadline = item.deadline;
        tracked.record(on, source, Change::Revised { measure, deadline });
        changes.revised.push(tracked.id.clone());
    }
}

#[cfg(test)]
mod tests;

use super::*;
use crate::intake::CellValue;

#[test]
fn the_problem_sheet_is_known_by_its_name_and_header() {
    let header: Vec<CellValue> = PROBLEM_HEADERS
        .iter()
        .map(|h| CellValue::Text((*h).to_owned()))
        .collect();
    assert!(is_problem_sheet(&RawSheet::from_rows(
        PROBLEM_SHEET,
        vec![header.clone()]
    )));
    // A clerk's own sheet of that name, without the header, is still read.
    assert!(!is_problem_sheet(&RawSheet::from_rows(
        PROBLEM_SHEET,
        vec![vec![CellValue::Text("学校名称".into())]]
    )));
    assert!(!is_problem_sheet(&RawSheet::from_rows(
        "学校整改清单",
        vec![header]
    )));
}

#[test]
fn one_cell_with_two_problems_has_one_comment_of_both_and_the_worse_colour() {
    let cell = Location::new("学校整改清单", 5, 3);
    let diagnostics = vec![
        Diagnostic::new(
            crate::diag::Rule::DeadlineBeforeFiling,
            Some(cell.clone()),
            "早于填报",
        )
        .with_hint("请核对"),
        Diagnostic::new(
            crate::diag::Rule::DeadlineInvalid,
            Some(cell.clone()),
            "无法识别",
        ),
    ];
    let problems = Problems::of(&diagnostics);
    let only = &problems.cells[&cell];
    assert_eq!(only.fill(), ERROR_FILL);
    assert_eq!(
        only.comment(),
        "【警告】早于填报\n提示：请核对\n【错误】无法识别"
    );
}

#[test]
fn a_cell_beyond_a_worksheet_is_listed_never_marked() {
    let far = Location::new("学校整改清单", MAX_ROWS, 0);
    let diagnostics = vec![Diagnostic::new(
        crate::diag::Rule::DeadlineInvalid,
        Some(far),
        "很远",
    )];
    let problems = Problems::of(&diagnostics);
    assert!(problems.cells.is_empty());
    assert_eq!(problems.list.len(), 1);
}

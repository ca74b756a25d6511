//! From the sparse cells a reader found to a [`RawSheet`]: the cells far from the table are
//! set aside, and only the table's area is laid out at absolute positions.
//!
//! The rule for a far cell: the rows that hold something (a cell with more than spaces) fall
//! into blocks wherever [`FAR_ROWS`] or more empty rows separate them, and the columns likewise
//! with [`FAR_COLUMNS`]. The block holding the most cells is the table. Another block is kept
//! when it holds more than [`STRAY_CELLS`] cells (a second form further down is real data)
//! and lies within [`BEYOND_ROWS`] / [`BEYOND_COLUMNS`] of the kept ones; a smaller one, or
//! one further away, is a stray — a space typed at D499000, a note at XFD1048576 — and is left out
//! with a warning naming it. Cells of spaces only outside the kept area are left out too;
//! they are named when they lie as far away as a stray.

use super::{CellValue, IntakeError, Limits, Merge, RawSheet, RowBudget, StrayCell};

/// Empty rows that separate a stray from the table. Forms on one sheet sit a few rows apart;
/// a hundred empty rows is a screen and more of nothing.
pub(super) const FAR_ROWS: u32 = 100;
/// Empty columns that separate a stray from the table: the forms are seven columns wide.
pub(super) const FAR_COLUMNS: u32 = 30;
/// Most cells a block far from the table may hold and still be taken for a stray.
pub(super) const STRAY_CELLS: usize = 3;
/// Empty rows past which even a larger block is left out (and named).
pub(super) const BEYOND_ROWS: u32 = 10_000;
/// Empty columns past which even a larger block is left out (and named).
pub(super) const BEYOND_COLUMNS: u32 = 1_000;

/// One cell that holds something, at its absolute position.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PlacedCell {
    pub row: u32,
    pub col: u32,
    pub value: CellValue,
}

/// One sheet as a reader found it: only the cells that hold something, and its merges.
#[derive(Debug)]
pub(super) struct SheetCells {
    pub name: String,
    pub visible: bool,
    pub cells: Vec<PlacedCell>,
    pub merges: Vec<Merge>,
}

impl SheetCells {
    pub(super) fn new(name: String, visible: bool) -> SheetCells {
        SheetCells {
            name,
            visible,
            cells: Vec::new(),
            merges: Vec::new(),
        }
    }

    /// Lays the kept cells out in rows, counting each row with data against the budget.
    /// Time and memory follow the cells held and the kept area, never the used-area box.
    pub(super) fn lay_out(
        mut self,
        limits: &Limits,
        budget: &mut RowBudget,
    ) -> Result<RawSheet, IntakeError> {
        self.cells.sort_by_key(|c| (c.row, c.col));
        let rows_kept = kept_spans(
            self.cells
                .iter()
                .filter(|c| !c.value.is_empty())
                .map(|c| c.row),
            FAR_ROWS,
            BEYOND_ROWS,
        );
        let in_rows = |row: u32| within(&rows_kept, row);
        let cols_kept = kept_spans(
            self.cells
                .iter()
                .filter(|c| !c.value.is_empty() && in_rows(c.row))
                .map(|c| c.col),
            FAR_COLUMNS,
            BEYOND_COLUMNS,
        );
        let in_cols = |col: u32| within(&cols_kept, col);
        let bounds = |spans: &[(u32, u32)]| {
            spans
                .first()
                .zip(spans.last())
                .map(|(first, last)| (first.0, last.1))
        };
        let (row_bounds, col_bounds) = (bounds(&rows_kept), bounds(&cols_kept));
        let far = |c: &PlacedCell| match (row_bounds, col_bounds) {
            (Some((r0, r1)), Some((c0, c1))) => {
                distance(c.row, r0, r1) >= FAR_ROWS || distance(c.col, c0, c1) >= FAR_COLUMNS
            }
            _ => true,
        };

        let mut strays = Vec::new();
        let mut kept = Vec::with_capacity(self.cells.len());
        for cell in self.cells {
            if in_rows(cell.row) && in_cols(cell.col) {
                kept.push(cell);
            } else if !cell.value.is_empty() || far(&cell) {
                strays.push(StrayCell {
                    row: cell.row,
                    col: cell.col,
                    text: cell.value.display(),
                });
            }
        }

        let origin = match (row_bounds, col_bounds) {
            (Some((r0, _)), Some((c0, _))) => (r0, c0),
            _ => (0, 0),
        };
        let height = row_bounds.map_or(0, |(r0, r1)| (r1 - r0 + 1) as usize);
        let mut rows: Vec<Vec<CellValue>> = vec![Vec::new(); height];
        let mut last_counted: Option<u32> = None;
        for cell in kept {
            if !cell.value.is_empty() && last_counted != Some(cell.row) {
                budget.take(&self.name, cell.row)?;
                last_counted = Some(cell.row);
            }
            let row = &mut rows[(cell.row - origin.0) as usize];
            let at = (cell.col - origin.1) as usize;
            if row.len() <= at {
                row.resize(at + 1, CellValue::Empty);
            }
            row[at] = cell.value;
        }
        let mut sheet = RawSheet::new(self.name, self.visible, origin, rows, self.merges);
        sheet.set_strays(strays);
        // Merges a real workbook holds tile the sheet without overlapping, so together they
        // cover no more rows than the sheet has cells; more is a hostile file, refused before
        // anyone indexes it.
        if sheet.merged_row_spans() > limits.max_cells {
            return Err(IntakeError::TooManyCells {
                limit: limits.max_cells,
            });
        }
        Ok(sheet)
    }
}

/// How far `at` lies outside `first..=last`.
fn distance(at: u32, first: u32, last: u32) -> u32 {
    if at < first {
        first - at
    } else {
        at.saturating_sub(last)
    }
}

/// Whether `at` lies in one of the sorted, disjoint `spans`.
fn within(spans: &[(u32, u32)], at: u32) -> bool {
    let next = spans.partition_point(|&(first, _)| first <= at);
    next > 0 && at <= spans[next - 1].1
}

/// The spans (first, last) of the blocks kept from the positions of cells that hold
/// something, blocks being parted by `far` or more empty positions: the first largest block,
/// and, going out from it, each block with more than [`STRAY_CELLS`] cells that lies within
/// `beyond` positions of the last block kept. Past a gap that wide nothing is kept: no form
/// leaves ten thousand empty rows, and walking them is what made reading slow.
fn kept_spans(positions: impl Iterator<Item = u32>, far: u32, beyond: u32) -> Vec<(u32, u32)> {
    let mut positions: Vec<u32> = positions.collect();
    positions.sort_unstable();
    let mut blocks: Vec<(u32, u32, usize)> = Vec::new();
    for at in positions {
        match blocks.last_mut() {
            Some(block) if at - block.1 <= far => {
                block.1 = at;
                block.2 += 1;
            }
            _ => blocks.push((at, at, 1)),
        }
    }
    let Some(largest) = blocks
        .iter()
        .enumerate()
        .max_by_key(|&(i, b)| (b.2, std::cmp::Reverse(i)))
        .map(|(i, _)| i)
    else {
        return Vec::new();
    };
    let mut kept = vec![(blocks[largest].0, blocks[largest].1)];
    let mut edge = blocks[largest].1;
    for block in &blocks[largest + 1..] {
        if block.0 - edge > beyond {
            break;
        }
        if block.2 > STRAY_CELLS {
            kept.push((block.0, block.1));
            edge = block.1;
        }
    }
    let mut edge = blocks[largest].0;
    for block in blocks[..largest].iter().rev() {
        if edge - block.1 > beyond {
            break;
        }
        if block.2 > STRAY_CELLS {
            kept.insert(0, (block.0, block.1));
            edge = block.0;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(row: u32, col: u32, t: &str) -> PlacedCell {
        PlacedCell {
            row,
            col,
            value: CellValue::Text(t.into()),
        }
    }

    fn lay_out(cells: Vec<PlacedCell>) -> RawSheet {
        let mut sheet = SheetCells::new("表".into(), true);
        sheet.cells = cells;
        let limits = Limits::default();
        sheet
            .lay_out(&limits, &mut RowBudget::new(&limits))
            .unwrap()
    }

    fn table() -> Vec<PlacedCell> {
        (0..6)
            .flat_map(|r| (0..4).map(move |c| text(r, c, "甲")))
            .collect()
    }

    #[test]
    fn a_far_cell_is_set_aside_and_named() {
        let mut cells = table();
        cells.push(text(299_999, 3, " "));
        cells.push(text(1_048_575, 16_383, "x"));
        cells.push(text(2, 200, "备注"));
        let sheet = lay_out(cells);
        assert_eq!((sheet.row_end(), sheet.col_end()), (6, 4));
        let named: Vec<String> = sheet
            .strays()
            .iter()
            .map(|s| crate::diag::Location::new("表", s.row, s.col).a1())
            .collect();
        assert_eq!(named, ["GS3", "D300000", "XFD1048576"]);
    }

    #[test]
    fn a_second_table_far_below_is_kept_and_near_cells_stay() {
        let mut cells = table();
        cells.extend((0..6).map(|r| text(500 + r, 0, "乙")));
        cells.push(text(8, 2, "注：无"));
        cells.push(text(7, 9, " "));
        let sheet = lay_out(cells);
        assert_eq!(sheet.row_end(), 506);
        assert_eq!(sheet.get(8, 2), &CellValue::Text("注：无".into()));
        assert!(sheet.strays().is_empty());
    }

    #[test]
    fn a_block_beyond_ten_thousand_empty_rows_is_left_out_whatever_its_size() {
        let mut cells = table();
        cells.extend((0..4).map(|c| text(400_000, c, "杂项")));
        let sheet = lay_out(cells);
        assert_eq!(sheet.row_end(), 6);
        assert_eq!(sheet.strays().len(), 4);
    }

    #[test]
    fn the_larger_block_is_the_table_wherever_it_sits() {
        let mut cells = vec![text(0, 0, "x")];
        cells.extend(table().into_iter().map(|c| text(c.row + 1000, c.col, "甲")));
        let sheet = lay_out(cells);
        assert_eq!(sheet.origin, (1000, 0));
        assert_eq!(sheet.strays().len(), 1);
    }
}

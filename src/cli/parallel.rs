//! Files done side by side, one worker a core, each with its own state (a renderer; the
//! fonts are shared), and their results handled in the order of the files, so reports and
//! output folders read exactly as if the files were done one after the other.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::Fault;

/// Workers for `items` items: `jobs` when given, else one a core; at least one, never more
/// than the items.
pub fn worker_count(jobs: Option<usize>, items: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    jobs.unwrap_or(cores).min(items).max(1)
}

/// Runs `work` on every item, each worker thread with one of `states`, and hands the
/// results to `each` in item order as they become due. When `each` fails, the workers finish
/// the item in hand, take no more, and the failure is returned.
pub fn in_order<T, S, R>(
    items: &[T],
    states: Vec<S>,
    work: impl Fn(&mut S, &T) -> R + Sync,
    mut each: impl FnMut(R) -> Result<(), Fault>,
) -> Result<(), Fault>
where
    T: Sync,
    S: Send,
    R: Send,
{
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (sender, results) = mpsc::channel::<(usize, R)>();
        for mut state in states {
            let sender = sender.clone();
            let (next, stop, work) = (&next, &stop, &work);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    if sender.send((index, work(&mut state, item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut ready = BTreeMap::new();
        let mut due = 0;
        for (index, result) in results {
            ready.insert(index, result);
            while let Some(result) = ready.remove(&due) {
                due += 1;
                if let Err(fault) = each(result) {
                    stop.store(true, Ordering::Relaxed);
                    return Err(fault);
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_item_order_whatever_the_finishing_order() {
        let items: Vec<u64> = (0..40).collect();
        let mut seen = Vec::new();
        in_order(
            &items,
            vec![(), (), ()],
            |(), &i| {
                // Early items take longest, so they finish last.
                std::thread::sleep(std::time::Duration::from_millis(40 - i));
                i * 10
            },
            |r| {
                seen.push(r);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, items.iter().map(|i| i * 10).collect::<Vec<_>>());
    }

    #[test]
    fn a_failure_stops_the_run_and_is_returned() {
        let items: Vec<u32> = (0..1000).collect();
        let done = AtomicUsize::new(0);
        let mut handled = 0;
        let result = in_order(
            &items,
            vec![(), ()],
            |(), &i| {
                done.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(1));
                i
            },
            |i| {
                handled += 1;
                if i == 3 {
                    Err(Fault::new("disk full"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(result.unwrap_err().message, "disk full");
        assert_eq!(handled, 4);
        assert!(done.load(Ordering::Relaxed) < 100, "workers went on");
    }

    #[test]
    fn worker_count_is_bounded_by_the_items() {
        assert_eq!(worker_count(Some(8), 3), 3);
        assert_eq!(worker_count(Some(0), 3), 1);
        assert_eq!(worker_count(Some(2), 0), 1);
        assert!(worker_count(None, 100) >= 1);
    }
}

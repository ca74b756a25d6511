//! The status page `outbox/index.html` end to end: the real daemon over 杭州市's sample
//! workbooks, a county's file with an error and a broken file; every link on the page leads
//! to a file, each county shows its state, `[deadlines]` in the root's gongwen.toml is
//! honoured, and — where chromium is installed — the page renders to a non-blank screenshot.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{gongwen, must_exit, repo_root, run};

fn once(root: &Path) -> std::process::Output {
    run(gongwen()
        .args(["watch", "--once", "--settle", "200", "--root"])
        .arg(root))
}

/// The five 杭州市 samples, 西湖区 with an unreadable deadline under a name that is markup,
/// and half an xlsx that names no county.
fn drop_files(inbox: &Path) {
    std::fs::create_dir_all(inbox).unwrap();
    for entry in std::fs::read_dir(repo_root().join("examples/杭州市"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(entry.path(), inbox.join(entry.file_name())).unwrap();
    }
    let csv = "县（市、区）名称：西湖区,填报日期：2019年5月28日,,\n学校名称,存在不足情况,整改提升措施,完成时限\n<b>文三街小学</b>,生均体育运动场馆面积不足,改造屋顶运动场,2020年\n";
    std::fs::write(inbox.join("<script>西湖区.csv"), csv).unwrap();
    let xlsx = std::fs::read(repo_root().join("examples/西湖区.xlsx")).unwrap();
    std::fs::write(inbox.join("坏文件.xlsx"), &xlsx[..xlsx.len() / 2]).unwrap();
}

/// Every `href` value on the page, in order.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The `data-…` attributes of a county's row.
fn row_attr(html: &str, code: &str, attr: &str) -> String {
    let start = html
        .find(&format!("<tr id=\"county-{code}\""))
        .unwrap_or_else(|| panic!("no row for {code}"));
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let key = format!("{attr}=\"");
    let at = tag.find(&key).unwrap_or_else(|| panic!("{tag}")) + key.len();
    tag[at..at + tag[at..].find('"').unwrap()].to_owned()
}

/// County code → verdict, from the JSON receipts in outbox/回执/.
fn verdicts(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root.join("outbox/回执"))
        .unwrap()
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "json") {
            let receipt: serde_json::Value =
                serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
            if let Some(code) = receipt["county"]["code"].as_str() {
                out.insert(
                    code.to_owned(),
                    receipt["verdict"].as_str().unwrap().to_owned(),
                );
            }
        }
    }
    out
}

#[test]
fn the_status_page_links_only_to_files_and_shows_each_countys_state() {
    let root = tempfile::tempdir().unwrap();
    drop_files(&root.path().join("inbox"));
    must_exit(&once(root.path()), 1);
    let outbox = root.path().join("outbox");
    let html = std::fs::read_to_string(outbox.join("index.html")).unwrap();
    assert!(html.contains("<meta charset=\"utf-8\">"));

    // Every link resolves: in-page anchors to an id, the rest to a file under outbox/.
    let links = hrefs(&html);
    let files: Vec<&String> = links.iter().filter(|h| !h.starts_with('#')).collect();
    assert!(
        files.len() >= 5 * 7,
        "five counties' documents and receipts: {links:?}"
    );
    for link in &links {
        if let Some(id) = link.strip_prefix('#') {
            assert!(html.contains(&format!("id=\"{id}\"")), "{link}");
            continue;
        }
        assert!(
            !link.contains("://") && !link.starts_with('/') && !link.contains(".."),
            "links stay relative and inside outbox/: {link}"
        );
        let path = outbox.join(percent_decode(link));
        assert!(path.is_file(), "{link} → {} is missing", path.display());
    }
    assert!(links.iter().any(|h| percent_decode(h) == "全省汇总.pdf"));
    assert!(
        links
            .iter()
            .any(|h| percent_decode(h) == "杭州市/附件3_创建时间表_杭州市.pdf")
    );

    // Each 杭州市 sample as its receipt says; 西湖区 rejected; the others not filed, and
    // overdue since the notice's deadline (2019-05-31) has long passed.
    let verdicts = verdicts(root.path());
    let filed: Vec<_> = verdicts
        .iter()
        .filter(|(_, v)| v.starts_with("accepted"))
        .collect();
    assert_eq!(filed.len(), 5, "{verdicts:?}");
    for (code, verdict) in &filed {
        let expected = if *verdict == "accepted" {
            "filed"
        } else {
            "filed-warnings"
        };
        assert_eq!(row_attr(&html, code, "data-state"), expected, "{code}");
        assert_eq!(row_attr(&html, code, "data-overdue"), "false", "{code}");
    }
    assert_eq!(verdicts["330106"], "rejected");
    assert_eq!(row_attr(&html, "330106", "data-state"), "rejected");
    assert_eq!(row_attr(&html, "330106", "data-overdue"), "true");
    for not_filed in ["330111", "330122", "330182"] {
        assert_eq!(row_attr(&html, not_filed, "data-state"), "not-filed");
        assert_eq!(row_attr(&html, not_filed, "data-overdue"), "true");
    }
    assert!(
        html.contains("已报送 <strong>5</strong> / 89 个县（市、区），退回 <strong>1</strong> 个，逾期未报 <strong>84</strong> 个"),
        "{html}"
    );

    // A file name is text, not markup.
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&#60;script&#62;西湖区.csv"));

    screenshot(&outbox.join("index.html"));

    // The root's gongwen.toml moves the deadlines; the page is rewritten at start, with
    // nothing in the inbox.
    std::fs::write(
        root.path().join("gongwen.toml"),
        "[deadlines]\ncounty = \"2099-05-31\"\ncity = \"2099-06-30\"\n",
    )
    .unwrap();
    let before = std::fs::metadata(outbox.join("index.html"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    must_exit(&once(root.path()), 0);
    let html = std::fs::read_to_string(outbox.join("index.html")).unwrap();
    assert_ne!(
        std::fs::metadata(outbox.join("index.html"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
    assert!(html.contains("逾期未报 <strong>0</strong> 个"), "{html}");
    assert!(html.contains("2099年5月31日"));
    assert_eq!(row_attr(&html, "330111", "data-overdue"), "false");
    // On 2099-05-31 Hangzhou's 2021 districts stand: 临平区 is expected, 江干区 is not.
    assert_eq!(row_attr(&html, "330113", "data-state"), "not-filed");
    assert!(!html.contains("id=\"county-330104\""));
}

/// The `<section id="unidentified">` of the page, or "" when there is none.
fn unidentified_section(html: &str) -> &str {
    html.find("<section class=\"unidentified\"")
        .map_or("", |start| {
            let end = start + html[start..].find("</section>").unwrap();
            &html[start..end]
        })
}

#[test]
fn rejected_files_naming_no_county_are_listed_with_their_receipts() {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // Half an xlsx: nothing read, no county. A csv naming a county that does not exist.
    let xlsx = std::fs::read(repo_root().join("examples/西湖区.xlsx")).unwrap();
    std::fs::write(inbox.join("坏文件.xlsx"), &xlsx[..xlsx.len() / 2]).unwrap();
    let nowhere = "县（市、区）名称：无此县,填报日期：2019年5月28日,,\n学校名称,存在不足情况,整改提升措施,完成时限\n文三街小学,生均体育运动场馆面积不足,改造屋顶运动场,2020年8月\n";
    std::fs::write(inbox.join("<b>不知哪里.csv"), nowhere).unwrap();
    // A county's rejected file is the county's, not unidentified.
    let xihu = "县（市、区）名称：西湖区,填报日期：2019年5月28日,,\n学校名称,存在不足情况,整改提升措施,完成时限\n文三街小学,生均体育运动场馆面积不足,改造屋顶运动场,2020年\n";
    std::fs::write(inbox.join("西湖区.csv"), xihu).unwrap();
    must_exit(&once(root.path()), 1);
    let outbox = root.path().join("outbox");
    let html = std::fs::read_to_string(outbox.join("index.html")).unwrap();
    let section = unidentified_section(&html);
    assert!(
        section.contains("无法识别县（市、区）的文件 <span class=\"count\">2 个</span>"),
        "{html}"
    );
    assert_eq!(
        section.matches("<tr class=\"unidentified-file\">").count(),
        2,
        "{section}"
    );
    assert!(section.contains("坏文件.xlsx"), "{section}");
    assert!(section.contains("&#60;b&#62;不知哪里.csv"), "{section}");
    assert!(!section.contains("<b>"), "a file name is text: {section}");
    assert!(!section.contains("西湖区.csv"), "{section}");
    assert_eq!(row_attr(&html, "330106", "data-state"), "rejected");
    // Each links to its own receipt in outbox/回执/, which names the file.
    let links = hrefs(section);
    assert_eq!(links.len(), 2, "{section}");
    let mut named: Vec<String> = links
        .iter()
        .map(|link| {
            let decoded = percent_decode(link);
            assert!(decoded.starts_with("回执/"), "{decoded}");
            let text = std::fs::read_to_string(outbox.join(&decoded)).unwrap();
            assert!(text.contains("县（市、区）：未能识别"), "{text}");
            assert!(text.contains("退回"), "{text}");
            let file = text.lines().find_map(|l| l.strip_prefix("文件："));
            file.unwrap().to_owned()
        })
        .collect();
    named.sort();
    assert_eq!(named, ["<b>不知哪里.csv", "坏文件.xlsx"]);
    // The time each was received, as the county rows show it.
    assert!(section.contains("<td class=\"time\">20"), "{section}");
}

/// Loads the page in headless chromium and checks the screenshot: the window's size, and
/// more than a blank page (many colours, the red band of the header).
fn screenshot(page: &Path) {
    let Some(chromium) = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| common::have_tool(name))
    else {
        common::skip("the screenshot: chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("status.png");
    let profile = dir.path().join("profile");
    let url = format!("file://{}", page.display());
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        png.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (width, height, pixels) = decode_rgb(&png);
    assert_eq!((width, height), (1280, 2000));
    let mut colours = std::collections::HashSet::new();
    let mut red = 0;
    for (i, px) in pixels.iter().enumerate() {
        colours.insert(*px);
        let y = i / width;
        // The header's red band, #b3261e, near the top.
        if y < 60 && px.0 > 150 && px.1 < 70 && px.2 < 70 {
            red += 1;
        }
    }
    assert!(
        colours.len() > 200,
        "a blank page: {} colours",
        colours.len()
    );
    assert!(red > 1000, "no red header band ({red} pixels)");
}

fn decode_rgb(path: &Path) -> (usize, usize, Vec<(u8, u8, u8)>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => (p[0], p[0], p[0]),
            _ => (p[0], p[1], p[2]),
        })
        .collect();
    (info.width as usize, info.height as usize, pixels)
}

#[path = "support/ledgers.rs"]
mod ledgers;

use gongwen::archive::Layout;
use gongwen::status::{self, StatusOptions};
use ledgers::{Plan, day};

/// Three counties' ledgers: 西湖区 mostly 销号 but two items past 2019-12, 鹿城区 with three
/// items past 2019-11, 余姚市 with nothing due before 2020-06 (and one item sent back).
fn ledger_archive(root: &Path) -> Layout {
    let layout = Layout::new(root);
    layout.prepare().unwrap();
    for plan in [
        Plan {
            county: "西湖区",
            deadline: "2019-12",
            not_started: 1,
            in_progress: 0,
            completed: 1,
            closed: 8,
            returned: 0,
        },
        Plan {
            county: "鹿城区",
            deadline: "2019-11",
            not_started: 0,
            in_progress: 3,
            completed: 0,
            closed: 2,
            returned: 0,
        },
        Plan {
            county: "余姚市",
            deadline: "2020-06",
            not_started: 4,
            in_progress: 1,
            completed: 0,
            closed: 0,
            returned: 1,
        },
    ] {
        ledgers::save(&layout, &plan);
    }
    layout
}

/// The `<tr>` of a county in the progress table, up to its end.
fn progress_row<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html
        .find(&format!("<tr id=\"progress-{code}\""))
        .unwrap_or_else(|| panic!("no progress row for {code}"));
    &html[start..start + html[start..].find("</tr>").unwrap()]
}

/// The tile `<rect>` of a county in the map.
fn tile_rect<'a>(html: &'a str, county: &str) -> &'a str {
    let start = html
        .find(&format!("data-county=\"{county}\""))
        .unwrap_or_else(|| panic!("no tile for {county}"));
    let rect = start + html[start..].find("<rect").unwrap();
    &html[rect..rect + html[rect..].find("/>").unwrap()]
}

#[test]
fn the_progress_view_counts_states_marks_the_overdue_and_maps_the_share_closed() {
    let dir = tempfile::tempdir().unwrap();
    let layout = ledger_archive(dir.path());
    let as_of = day(2020, 1, 10);
    status::write(&layout, &StatusOptions::default(), as_of).unwrap();
    let html = std::fs::read_to_string(layout.outbox.join("index.html")).unwrap();
    if let Some(keep) = std::env::var_os("GONGWEN_KEEP_PAGE") {
        // For a look (and the README's picture): copy the outbox somewhere.
        let keep = Path::new(&keep);
        for file in common::files_under(&layout.outbox) {
            let to = keep.join(file.strip_prefix(&layout.outbox).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&file, to).unwrap();
        }
    }

    // Counts per state, per county.
    let xihu = progress_row(&html, "330106");
    for count in ["未启动 1", "推进中 0", "已完成 1", "已销号 8"] {
        assert!(xihu.contains(count), "{count} in {xihu}");
    }
    let yuyao = progress_row(&html, "330281");
    for count in ["未启动 4", "推进中 2", "已完成 0", "已销号 0"] {
        assert!(yuyao.contains(count), "{count} in {yuyao}");
    }
    // Overdue in red for the counties with items past their deadline month, as of the day.
    assert!(xihu.contains("data-overdue=\"2\""));
    assert!(xihu.contains("<span class=\"overdue-count\">2</span>"));
    let lucheng = progress_row(&html, "330302");
    assert!(lucheng.contains("<span class=\"overdue-count\">3</span>"));
    assert!(yuyao.contains("data-overdue=\"0\""));
    assert!(!yuyao.contains("overdue-count"));
    assert!(html.contains("逾期 <strong>5</strong> 项"));

    // The map: one tile per division standing on the day, shaded by the share 销号.
    let standing = gongwen::domain::registry().counties_on(as_of).len();
    assert_eq!(standing, 90);
    assert_eq!(html.matches("<rect class=\"tile ").count(), standing);
    assert!(tile_rect(&html, "西湖区").contains("class=\"tile s4\"")); // 8 of 10
    assert!(tile_rect(&html, "鹿城区").contains("class=\"tile s2\"")); // 2 of 5
    assert!(tile_rect(&html, "余姚市").contains("class=\"tile s0\"")); // 0 of 6
    assert!(tile_rect(&html, "龙港市").contains("class=\"tile none\"")); // no list
    assert_eq!(
        html.matches("<rect class=\"tile none\"").count(),
        standing - 3
    );
    // Each tile with a list links to its county's page, which exists.
    for link in hrefs(&html)
        .into_iter()
        .filter(|l| l.starts_with("%E8%BF%9B%E5%B1%95/"))
    {
        assert!(
            layout.outbox.join(percent_decode(&link)).is_file(),
            "{link}"
        );
    }

    // The county's row in its city's table links there too.
    let row = &html[html.find("<tr id=\"county-330106\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("整改进展</a>"), "{row}");

    // Self-contained still: no scripts, nothing fetched.
    assert!(!html.contains("<script"));
    for outside in ["<link", "<img", " src=", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    assert_eq!(
        html.matches("://").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );

    // The county page: every item, its state and history with dates and files.
    let page = std::fs::read_to_string(layout.outbox.join("进展/西湖区.html")).unwrap();
    assert_eq!(page.matches("<tr id=\"item-330106-").count(), 10);
    assert!(page.contains(
        "<span class=\"time\">2019-05-20</span> 列入整改清单<span class=\"src\">西湖区.xlsx</span>"
    ));
    assert!(page.contains("<span class=\"time\">2019-09-30</span> 进展由未启动改为已完成<span class=\"src\">整改进展表_西湖区.xlsx</span>"));
    assert!(page.contains("<span class=\"time\">2019-10-15</span> 设区市核查同意销号<span class=\"src\">整改进展汇总_杭州市.xlsx</span>"));
    assert_eq!(page.matches("逾期 10 天").count(), 2);
    assert!(!page.contains("<script"));
    let returned = std::fs::read_to_string(layout.outbox.join("进展/余姚市.html")).unwrap();
    assert!(returned.contains("设区市核查退回重改：佐证材料不全"));
    assert!(returned.contains("退回意见：佐证材料不全"));

    // Earlier, 西湖区's items are not yet due; 鹿城区's are.
    status::write(&layout, &StatusOptions::default(), day(2019, 12, 15)).unwrap();
    let html = std::fs::read_to_string(layout.outbox.join("index.html")).unwrap();
    assert!(progress_row(&html, "330106").contains("data-overdue=\"0\""));
    assert!(progress_row(&html, "330302").contains("data-overdue=\"3\""));

    // A county whose ledger is gone loses its page.
    std::fs::remove_file(layout.archive.join("tracking/330302.json")).unwrap();
    status::write(&layout, &StatusOptions::default(), as_of).unwrap();
    assert!(!layout.outbox.join("进展/鹿城区.html").exists());
    assert!(layout.outbox.join("进展/西湖区.html").is_file());
    let html = std::fs::read_to_string(layout.outbox.join("index.html")).unwrap();
    assert!(tile_rect(&html, "鹿城区").contains("class=\"tile none\""));

    screenshot(&layout.outbox.join("index.html"));
}

/// Not a check: the README's picture of the progress view, many counties at many stages.
/// `GONGWEN_KEEP_PAGE=/tmp/page cargo test --test status_page -- --ignored demo`, then
/// screenshot `/tmp/page/index.html`.
#[test]
#[ignore]
fn demo_progress_page() {
    let Some(keep) = std::env::var_os("GONGWEN_KEEP_PAGE") else {
        return;
    };
    let layout = Layout::new(Path::new(&keep));
    layout.prepare().unwrap();
    let registry = gongwen::domain::registry();
    for (i, d) in registry
        .counties_on(day(2020, 3, 1))
        .into_iter()
        .enumerate()
    {
        if i % 5 == 3 {
            continue; // no list yet
        }
        let n = 4 + i % 9;
        let closed = (i * 7) % (n + 1);
        let completed = (n - closed).min(i % 3);
        let in_progress = (n - closed - completed) / 2;
        ledgers::save(
            &layout,
            &Plan {
                county: &d.name,
                deadline: if i % 4 == 0 { "2019-12" } else { "2020-12" },
                not_started: n - closed - completed - in_progress,
                in_progress,
                completed,
                closed,
                returned: 0,
            },
        );
    }
    status::write(&layout, &StatusOptions::default(), day(2020, 3, 1)).unwrap();
}

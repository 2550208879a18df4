//! Each loader on a folder in its database's official layout (built by `common`), and each
//! kind of bad input.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod common;

use std::path::Path;

use iqa_data::databases::{KoniqSize, LiveLabels, koniq_official_split, write_manifest_csv};
use iqa_data::{DataError, DatabaseKind, LabelKind, LoadOptions, Manifest, load};

fn live(root: &Path, labels: LiveLabels) -> iqa_data::Result<Manifest> {
    load(
        DatabaseKind::Live,
        root,
        &LoadOptions {
            live_labels: labels,
            ..LoadOptions::default()
        },
    )
}

fn item<'a>(m: &'a Manifest, rel: &str) -> &'a iqa_data::Item {
    let names = m.relative_names();
    let k = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(rel))
        .unwrap_or_else(|| panic!("{rel} not in the manifest"));
    &m.items[k]
}

#[test]
fn live_reads_both_label_files() {
    let dir = tempfile::tempdir().unwrap();
    common::build_live(dir.path());
    let exp = common::expected();
    let exp = &exp["live"];
    for labels in [LiveLabels::Dmos, LiveLabels::Realigned] {
        let m = live(dir.path(), labels).unwrap();
        let s = m.summary();
        assert_eq!(s.distorted, 779);
        assert_eq!(s.references, 29);
        assert_eq!(s.distortion_types, 5);
        assert!(!s.higher_is_better);
        assert_eq!(m.label.kind, LabelKind::Dmos);
        let key = match labels {
            LiveLabels::Dmos => "dmos",
            LiveLabels::Realigned => "dmos_new",
            other => panic!("no fixture for {other:?}"),
        };
        assert_eq!(s.score_min, exp[format!("{key}_min")].as_f64().unwrap());
        assert_eq!(s.score_max, exp[format!("{key}_max")].as_f64().unwrap());
        for sample in exp["samples"].as_array().unwrap() {
            let it = item(&m, sample["dist"].as_str().unwrap());
            let raw = sample[key].as_f64().unwrap();
            assert_eq!(it.raw_score, raw);
            assert!((it.score - (1.0 - raw / 100.0)).abs() < 1e-12);
            let ref_name = sample["ref"].as_str().unwrap();
            let on_disk = it.reference.as_ref().unwrap().file_name().unwrap();
            assert!(on_disk.to_string_lossy().eq_ignore_ascii_case(ref_name));
            assert!(it.reference.as_ref().unwrap().is_file());
            assert_eq!(
                it.ref_id.as_deref(),
                Some(ref_name.trim_end_matches(".bmp"))
            );
            match labels {
                LiveLabels::Dmos => assert_eq!(it.score_std, None),
                LiveLabels::Realigned => {
                    assert_eq!(it.score_std, sample["dmos_std"].as_f64())
                }
                other => panic!("no fixture for {other:?}"),
            }
        }
        assert!(m.label.source.contains(key));
    }
}

#[test]
fn live_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::build_live(root);

    // NaN score.
    std::fs::copy(
        common::fixtures().join("live/dmos_realigned_nan.mat"),
        root.join("dmos_realigned.mat"),
    )
    .unwrap();
    let err = live(root, LiveLabels::Realigned).unwrap_err();
    assert!(matches!(err, DataError::BadScore { .. }), "{err}");
    assert!(err.to_string().contains("entry 5"), "{err}");
    // The other label file still works.
    assert_eq!(live(root, LiveLabels::Dmos).unwrap().items.len(), 779);

    // Missing files: all counted, the first few named.
    std::fs::remove_file(root.join("jpeg/img5.bmp")).unwrap();
    std::fs::remove_file(root.join("wn/img7.bmp")).unwrap();
    let err = live(root, LiveLabels::Dmos).unwrap_err().to_string();
    assert!(
        err.contains("2 image file(s)") && err.contains("img5.bmp"),
        "{err}"
    );
    common::Painter::new(8, 6).paint(&root.join("jpeg/img5.bmp"));
    common::Painter::new(8, 6).paint(&root.join("wn/img7.bmp"));

    // Extra file.
    common::Painter::new(8, 6).paint(&root.join("gblur/img175.bmp"));
    let err = live(root, LiveLabels::Dmos).unwrap_err();
    assert!(
        matches!(err, DataError::ExtraFiles { count: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("img175.bmp"));
    std::fs::remove_file(root.join("gblur/img175.bmp")).unwrap();

    // Truncated .mat file.
    let bytes = std::fs::read(root.join("dmos.mat")).unwrap();
    std::fs::write(root.join("dmos.mat"), &bytes[..bytes.len() / 2]).unwrap();
    let err = live(root, LiveLabels::Dmos).unwrap_err();
    assert!(matches!(err, DataError::Mat { .. }), "{err}");
    assert!(err.to_string().contains("dmos.mat"), "{err}");

    // Unknown layout.
    std::fs::remove_file(root.join("dmos.mat")).unwrap();
    let err = live(root, LiveLabels::Dmos).unwrap_err();
    assert!(matches!(err, DataError::MissingLayout { .. }), "{err}");
    assert!(err.to_string().contains("`dmos.mat` is absent"), "{err}");
}

#[test]
fn csiq_reads_the_spreadsheet_and_the_text_labels() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::build_csiq(root);
    let exp = common::expected();
    let rows = exp["csiq"]["rows"].as_array().unwrap();
    let m = load(DatabaseKind::Csiq, root, &LoadOptions::default()).unwrap();
    assert_eq!(m.items.len(), rows.len());
    let s = m.summary();
    assert_eq!((s.references, s.distortion_types), (4, 6));
    for (row, it) in rows.iter().zip(&m.items) {
        let rel = row["file"].as_str().unwrap();
        assert!(
            m.relative_names()
                .iter()
                .any(|n| n.eq_ignore_ascii_case(rel))
        );
        assert_eq!(it.raw_score, row["dmos"].as_f64().unwrap());
        assert_eq!(it.score_std, row["dmos_std"].as_f64());
        assert_eq!(it.dist_level, Some(row["dst_lev"].as_u64().unwrap() as u32));
        assert!((it.score - (1.0 - it.raw_score)).abs() < 1e-12);
    }

    // The one-line-per-image text file instead of the spreadsheet.
    std::fs::remove_file(root.join("csiq.DMOS.xlsx")).unwrap();
    let text: String = rows
        .iter()
        .map(|r| {
            let file = r["file"].as_str().unwrap().rsplit('/').next().unwrap();
            format!("{file} {}\n", r["dmos"])
        })
        .collect();
    std::fs::write(root.join("csiq_label.txt"), text).unwrap();
    let t = load(DatabaseKind::Csiq, root, &LoadOptions::default()).unwrap();
    let raw = |m: &Manifest| m.items.iter().map(|i| i.raw_score).collect::<Vec<_>>();
    assert_eq!(raw(&t), raw(&m));

    // A DMOS outside [0, 1].
    std::fs::remove_file(root.join("csiq_label.txt")).unwrap();
    std::fs::copy(
        common::fixtures().join("csiq/csiq_bad.DMOS.xlsx"),
        root.join("csiq.DMOS.xlsx"),
    )
    .unwrap();
    let err = load(DatabaseKind::Csiq, root, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(err, DataError::BadScore { value, .. } if value == 1.7),
        "{err}"
    );
    assert!(err.to_string().contains("row 8"), "{err}");
}

#[test]
fn tid2013_and_tid2008() {
    let dir = tempfile::tempdir().unwrap();
    common::build_tid(dir.path(), 24, 5, true);
    let m = load(DatabaseKind::Tid2013, dir.path(), &LoadOptions::default()).unwrap();
    let s = m.summary();
    assert_eq!(
        (s.distorted, s.references, s.distortion_types),
        (3000, 25, 24)
    );
    assert!(s.higher_is_better);
    let it = item(&m, "distorted_images/i03_17_2.bmp");
    let k = 2 * 24 * 5 + 16 * 5 + 1;
    assert!((it.raw_score - common::tid_mos(k)).abs() < 1e-5);
    assert_eq!(it.dist_type.as_deref(), Some("contrast_change"));
    assert_eq!(it.dist_level, Some(2));
    assert_eq!(it.ref_id.as_deref(), Some("I03"));
    assert!(it.score_std.is_some());
    assert!((it.score - it.raw_score / 9.0).abs() < 1e-12);

    let dir8 = tempfile::tempdir().unwrap();
    common::build_tid(dir8.path(), 17, 4, false);
    let m = load(DatabaseKind::Tid2008, dir8.path(), &LoadOptions::default()).unwrap();
    assert_eq!(m.items.len(), 1700);
    assert!(m.items.iter().all(|i| i.score_std.is_none()));
}

#[test]
fn tid_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::build_tid(root, 24, 5, true);
    let labels = std::fs::read_to_string(root.join("mos_with_names.txt")).unwrap();
    let opts = LoadOptions::default();

    // Out of range and NaN.
    let bad = labels.replacen(
        &format!("{:.5} i01_01_1.bmp", common::tid_mos(0)),
        "9.5 i01_01_1.bmp",
        1,
    );
    std::fs::write(root.join("mos_with_names.txt"), &bad).unwrap();
    std::fs::remove_file(root.join("mos.txt")).unwrap();
    let err = load(DatabaseKind::Tid2013, root, &opts).unwrap_err();
    assert!(
        matches!(err, DataError::BadScore { value, .. } if value == 9.5),
        "{err}"
    );
    let nan = labels.replacen(
        &format!("{:.5} i01_01_1.bmp", common::tid_mos(0)),
        "NaN i01_01_1.bmp",
        1,
    );
    std::fs::write(root.join("mos_with_names.txt"), &nan).unwrap();
    let err = load(DatabaseKind::Tid2013, root, &opts).unwrap_err();
    assert!(matches!(err, DataError::BadScore { .. }), "{err}");
    assert!(err.to_string().contains("line 1"), "{err}");

    // A name listed twice.
    let first = labels.lines().next().unwrap();
    std::fs::write(
        root.join("mos_with_names.txt"),
        format!("{labels}{first}\n"),
    )
    .unwrap();
    std::fs::remove_file(root.join("mos_std.txt")).unwrap();
    let err = load(DatabaseKind::Tid2013, root, &opts).unwrap_err();
    assert!(matches!(err, DataError::Duplicate { .. }), "{err}");

    // mos.txt disagreeing with mos_with_names.txt.
    std::fs::write(root.join("mos_with_names.txt"), &labels).unwrap();
    let mos: String = labels
        .lines()
        .enumerate()
        .map(|(k, _)| {
            if k == 3 {
                "1.0\n".to_string()
            } else {
                format!("{:.5}\n", common::tid_mos(k))
            }
        })
        .collect();
    std::fs::write(root.join("mos.txt"), mos).unwrap();
    let err = load(DatabaseKind::Tid2013, root, &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 4"), "{err}");
    std::fs::remove_file(root.join("mos.txt")).unwrap();

    // A garbled line and a bad name.
    std::fs::write(root.join("mos_with_names.txt"), "5.0 i01_01_1.bmp extra\n").unwrap();
    assert!(
        load(DatabaseKind::Tid2013, root, &opts)
            .unwrap_err()
            .to_string()
            .contains("line 1")
    );
    std::fs::write(root.join("mos_with_names.txt"), "5.0 i01_25_1.bmp\n").unwrap();
    let err = load(DatabaseKind::Tid2013, root, &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("type YY in 1..24"), "{err}");

    // Labels that list nothing: the images on disk are all unlabelled.
    std::fs::write(root.join("mos_with_names.txt"), "").unwrap();
    let err = load(DatabaseKind::Tid2013, root, &opts).unwrap_err();
    assert!(
        matches!(err, DataError::ExtraFiles { count: 3025, .. }),
        "{err}"
    );
    // An empty database.
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join("reference_images")).unwrap();
    std::fs::create_dir(empty.path().join("distorted_images")).unwrap();
    std::fs::write(empty.path().join("mos_with_names.txt"), "\n").unwrap();
    let err = load(DatabaseKind::Tid2013, empty.path(), &opts).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err}");
}

#[test]
fn kadid_reads_dmos_csv() {
    let dir = tempfile::tempdir().unwrap();
    common::build_kadid(dir.path(), 2);
    let m = load(DatabaseKind::Kadid10k, dir.path(), &LoadOptions::default()).unwrap();
    let s = m.summary();
    assert_eq!(
        (s.distorted, s.references, s.distortion_types),
        (250, 2, 25)
    );
    assert!(s.higher_is_better);
    let it = item(&m, "images/I02_10_03.png");
    assert_eq!(it.raw_score, common::kadid_dmos(2, 10, 3));
    assert_eq!(it.score_std, Some((((10 + 3) % 9) as f64 / 10.0).sqrt()));
    assert_eq!(it.dist_type.as_deref(), Some("jpeg"));
    assert!((it.score - (it.raw_score - 1.0) / 4.0).abs() < 1e-12);
}

#[test]
fn siqad_reads_sccdmos() {
    let dir = tempfile::tempdir().unwrap();
    common::build_siqad(dir.path(), 3);
    let m = load(DatabaseKind::Siqad, dir.path(), &LoadOptions::default()).unwrap();
    let s = m.summary();
    assert_eq!((s.distorted, s.references, s.distortion_types), (147, 3, 7));
    assert!(!s.higher_is_better);
    assert_eq!(m.label.kind, LabelKind::Dmos);
    let it = item(&m, "DistortedImages/cim2_5_3.bmp");
    assert_eq!(it.raw_score, common::screen_score(2, 5, 3));
    assert!((it.score - (1.0 - it.raw_score / 100.0)).abs() < 1e-12);
    assert_eq!(it.dist_type.as_deref(), Some("jpeg"));
    assert_eq!(it.dist_level, Some(3));
    assert_eq!(it.ref_id.as_deref(), Some("cim2"));
    assert!(
        it.reference
            .as_ref()
            .unwrap()
            .ends_with("references/cim2.bmp")
    );

    // A missing image is named; a malformed line names its line.
    std::fs::remove_file(dir.path().join("DistortedImages/cim3_7_7.bmp")).unwrap();
    let err = load(DatabaseKind::Siqad, dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(err, DataError::MissingFiles { count: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("cim3_7_7.bmp"), "{err}");
    std::fs::write(dir.path().join("sccdmos.txt"), "40.5 cim1_8_1.bmp\n").unwrap();
    let err = load(DatabaseKind::Siqad, dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("line 1") && err.to_string().contains("cim1_8_1"),
        "{err}"
    );
}

#[test]
fn scid_reads_its_utf16_mos_file_and_utf8_copies() {
    for utf16 in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        common::build_scid(dir.path(), 2, utf16);
        let m = load(DatabaseKind::Scid, dir.path(), &LoadOptions::default()).unwrap();
        let s = m.summary();
        assert_eq!((s.distorted, s.references, s.distortion_types), (90, 2, 9));
        assert!(s.higher_is_better);
        assert_eq!(m.label.kind, LabelKind::Mos);
        let it = item(&m, "DistortedSCIs/SCI02_8_4.bmp");
        assert_eq!(it.raw_score, common::screen_score(2, 8, 4));
        assert!((it.score - it.raw_score / 100.0).abs() < 1e-12);
        assert_eq!(it.dist_type.as_deref(), Some("hevc_scc"));
        assert_eq!(it.dist_level, Some(4));
        assert_eq!(it.ref_id.as_deref(), Some("SCI02"));
    }
    // A line whose reference column disagrees with the image name is refused.
    let dir = tempfile::tempdir().unwrap();
    common::build_scid(dir.path(), 1, false);
    let labels = dir.path().join("MOS_SCID.txt");
    let text = std::fs::read_to_string(&labels).unwrap();
    std::fs::write(
        &labels,
        text.replacen("SCI01\tSCI01_1_2", "SCI02\tSCI01_1_2", 1),
    )
    .unwrap();
    let err = load(DatabaseKind::Scid, dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("line 2") && err.to_string().contains("SCI02"),
        "{err}"
    );
    // A MOS outside 0-100 is refused.
    let first = text.lines().next().unwrap().to_string();
    let high = text.replacen(&first, "SCI01\tSCI01_1_1\t104.0", 1);
    std::fs::write(&labels, high).unwrap();
    let err = load(DatabaseKind::Scid, dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::BadScore { .. }), "{err}");
}

#[test]
fn koniq_reads_scores_and_the_official_split() {
    let dir = tempfile::tempdir().unwrap();
    common::build_koniq(dir.path(), 20, true);
    let opts = LoadOptions {
        koniq_size: Some(KoniqSize::Half),
        ..LoadOptions::default()
    };
    let m = load(DatabaseKind::Koniq10k, dir.path(), &opts).unwrap();
    assert_eq!(m.items.len(), 20);
    assert_eq!(m.summary().references, 0);
    assert_eq!(m.items[3].raw_score, 1.3);
    assert_eq!(m.items[3].score_std, Some(0.03));
    let split = koniq_official_split(&m, dir.path()).unwrap().unwrap();
    assert_eq!(
        (split.train.len(), split.val.len(), split.test.len()),
        (12, 4, 4)
    );
    // Without 1024x768/ the default falls back to 512x384/.
    assert!(load(DatabaseKind::Koniq10k, dir.path(), &LoadOptions::default()).is_ok());
    let err = load(
        DatabaseKind::Koniq10k,
        dir.path(),
        &LoadOptions {
            koniq_size: Some(KoniqSize::Full),
            ..LoadOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("1024x768"), "{err}");
}

#[test]
fn generic_manifest_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tid");
    common::build_tid(&db, 24, 5, true);
    let m = load(DatabaseKind::Tid2013, &db, &LoadOptions::default()).unwrap();
    let csv = dir.path().join("tid2013.csv");
    write_manifest_csv(&m, &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("dist,ref,score,score_std,dist_type,dist_level,ref_id\n"));
    assert!(
        text.contains("tid/distorted_images/"),
        "paths are relative to the CSV"
    );
    let back = load(DatabaseKind::Manifest, &csv, &LoadOptions::default()).unwrap();
    assert_eq!(back.items.len(), m.items.len());
    assert_eq!(back.label.range, (0.0, 1.0));
    for (a, b) in m.items.iter().zip(&back.items) {
        assert_eq!(
            a.dist.canonicalize().unwrap(),
            b.dist.canonicalize().unwrap()
        );
        assert!((a.score - b.raw_score).abs() < 1e-12);
        assert!((a.score - b.score).abs() < 1e-12);
        assert!((a.score_std.unwrap() / 9.0 - b.score_std.unwrap()).abs() < 1e-12);
        assert_eq!(
            (&a.dist_type, a.dist_level, &a.ref_id),
            (&b.dist_type, b.dist_level, &b.ref_id)
        );
    }
    // Missing columns and files are named.
    std::fs::write(&csv, "path,mos\na.png,3\n").unwrap();
    let err = load(DatabaseKind::Manifest, &csv, &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("needs `dist` and `score`"),
        "{err}"
    );
    std::fs::write(&csv, "dist,score\nnothere.png,3\n").unwrap();
    let err = load(DatabaseKind::Manifest, &csv, &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("nothere.png"), "{err}");
}

#[test]
fn kinds_by_name() {
    assert_eq!(
        DatabaseKind::from_name("TID2013").unwrap(),
        DatabaseKind::Tid2013
    );
    let err = DatabaseKind::from_name("tid2014").unwrap_err().to_string();
    assert!(err.contains("tid2013"), "{err}");
}

#[test]
fn two_files_differing_only_in_case_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    common::build_tid(dir.path(), 2, 2, false);
    let dist = dir.path().join("distorted_images");
    // i03 is stored upper-case by the fixture; a lower-case copy makes the name ambiguous.
    std::fs::copy(dist.join("I03_02_2.BMP"), dist.join("i03_02_2.BMP")).unwrap();
    let err = load(DatabaseKind::Tid2013, dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(err, DataError::AmbiguousFiles { count: 1, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("I03_02_2.BMP") && text.contains("i03_02_2.BMP"),
        "{text}"
    );
}

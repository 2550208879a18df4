//! Builders of database folders in the official layouts, with tiny images, for the tests.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage};
use serde_json::Value;

/// The committed fixtures folder.
pub fn fixtures() -> PathBuf {
    // This module is also compiled into the CLI crate's tests (a sibling crate).
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../iqa-data/tests/fixtures")
}

/// The values `gen_databases.py` wrote beside its label files.
pub fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json")).unwrap())
        .unwrap()
}

/// A small image encoded once per (format, size), written to many paths.
pub struct Painter {
    bmp: Vec<u8>,
    png: Vec<u8>,
}

impl Painter {
    pub fn new(w: u32, h: u32) -> Painter {
        let img = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 20) as u8, (y * 20) as u8, 90])
        });
        let encode = |f| {
            let mut buf = std::io::Cursor::new(Vec::new());
            img.write_to(&mut buf, f).unwrap();
            buf.into_inner()
        };
        Painter {
            bmp: encode(ImageFormat::Bmp),
            png: encode(ImageFormat::Png),
        }
    }

    /// Writes the image at `path` (format from the extension), creating folders.
    pub fn paint(&self, path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let lower = path.to_string_lossy().to_lowercase();
        let bytes = if lower.ends_with(".png") {
            &self.png
        } else {
            &self.bmp
        };
        std::fs::write(path, bytes).unwrap();
    }
}

/// LIVE Release 2 at `root`: the committed .mat files and 982 + 29 tiny BMPs. Folder
/// `jp2k` is spelled `JP2K` and reference `bikes.bmp` `Bikes.BMP` to test case matching.
pub fn build_live(root: &Path) {
    let exp = expected();
    let live = &exp["live"];
    let p = Painter::new(8, 6);
    for name in ["dmos.mat", "dmos_realigned.mat", "refnames_all.mat"] {
        std::fs::create_dir_all(root).unwrap();
        std::fs::copy(fixtures().join("live").join(name), root.join(name)).unwrap();
    }
    for r in live["references"].as_array().unwrap() {
        let name = r.as_str().unwrap();
        let file = if name == "bikes" {
            "Bikes.BMP".to_string()
        } else {
            format!("{name}.bmp")
        };
        p.paint(&root.join("refimgs").join(file));
    }
    for f in live["folders"].as_array().unwrap() {
        let folder = f[0].as_str().unwrap();
        let folder = if folder == "jp2k" { "JP2K" } else { folder };
        for k in 1..=f[1].as_u64().unwrap() {
            p.paint(&root.join(folder).join(format!("img{k}.bmp")));
        }
    }
}

/// CSIQ at `root` with the committed spreadsheet; folder `awgn` spelled `AWGN`.
pub fn build_csiq(root: &Path) {
    let exp = expected();
    let p = Painter::new(8, 6);
    std::fs::create_dir_all(root).unwrap();
    std::fs::copy(
        fixtures().join("csiq/csiq.DMOS.xlsx"),
        root.join("csiq.DMOS.xlsx"),
    )
    .unwrap();
    for r in exp["csiq"]["references"].as_array().unwrap() {
        p.paint(
            &root
                .join("src_imgs")
                .join(format!("{}.png", r.as_str().unwrap())),
        );
    }
    for row in exp["csiq"]["rows"].as_array().unwrap() {
        let file = row["file"].as_str().unwrap().replace("/awgn/", "/AWGN/");
        p.paint(&root.join(file));
    }
}

/// The deterministic MOS of TID entry `k`.
pub fn tid_mos(k: usize) -> f64 {
    ((k * 7919) % 9000) as f64 / 1000.0
}

/// TID2013 (24 types, 5 levels, with mos_std.txt) or TID2008 (17 types, 4 levels): every
/// distorted image of 25 references, names in mixed case as on the distributed discs.
pub fn build_tid(root: &Path, types: usize, levels: usize, with_std: bool) {
    let p = Painter::new(8, 6);
    let (mut names, mut mos, mut std_lines) = (String::new(), String::new(), String::new());
    let mut k = 0;
    for r in 1..=25 {
        let ref_name = if r % 2 == 0 {
            format!("I{r:02}.BMP")
        } else {
            format!("i{r:02}.bmp")
        };
        p.paint(&root.join("reference_images").join(ref_name));
        for t in 1..=types {
            for l in 1..=levels {
                let name = format!("i{r:02}_{t:02}_{l}.bmp");
                let on_disk = if r == 3 {
                    name.to_uppercase()
                } else {
                    name.clone()
                };
                p.paint(&root.join("distorted_images").join(on_disk));
                names.push_str(&format!("{:.5} {name}\n", tid_mos(k)));
                mos.push_str(&format!("{:.5}\n", tid_mos(k)));
                std_lines.push_str(&format!("{:.5}\n", 0.5 + (k % 7) as f64 / 10.0));
                k += 1;
            }
        }
    }
    std::fs::write(root.join("mos_with_names.txt"), names).unwrap();
    std::fs::write(root.join("mos.txt"), mos).unwrap();
    if with_std {
        std::fs::write(root.join("mos_std.txt"), std_lines).unwrap();
    }
}

/// The deterministic score of KADID image (reference, type, level).
pub fn kadid_dmos(r: usize, t: usize, l: usize) -> f64 {
    1.0 + ((r * 31 + t * 7 + l) % 400) as f64 / 100.0
}

/// KADID-10k with `refs` references (all 25 types x 5 levels each).
pub fn build_kadid(root: &Path, refs: usize) {
    let p = Painter::new(8, 6);
    let mut csv = String::from("dist_img,ref_img,dmos,var\n");
    for r in 1..=refs {
        p.paint(&root.join("images").join(format!("I{r:02}.png")));
        for t in 1..=25 {
            for l in 1..=5 {
                let name = format!("I{r:02}_{t:02}_{l:02}.png");
                p.paint(&root.join("images").join(&name));
                let dmos = kadid_dmos(r, t, l);
                let var = ((t + l) % 9) as f64 / 10.0;
                csv.push_str(&format!("{name},I{r:02}.png,{dmos},{var}\n"));
            }
        }
    }
    std::fs::write(root.join("dmos.csv"), csv).unwrap();
}

/// KonIQ-10k with `n` images in `512x384/`, and the sets file when `sets` is given.
pub fn build_koniq(root: &Path, n: usize, sets: bool) {
    let p = Painter::new(8, 6);
    let mut csv = String::from(
        "\"image_name\",\"c1\",\"c2\",\"c3\",\"c4\",\"c5\",\"c_total\",\"MOS\",\"SD\",\"MOS_zscore\"\n",
    );
    let mut set_csv = String::from("image_name,set\n");
    for k in 0..n {
        let name = format!("{}.jpg", 10_000_000 + k * 97);
        // A JPEG name with PNG bytes: decoders guess the format from the content.
        p.paint(&root.join("512x384").join(&name));
        let mos = 1.0 + (k % 40) as f64 / 10.0;
        csv.push_str(&format!("\"{name}\",1,2,3,4,5,15,{mos},0.{k:02},50.0\n"));
        let set = ["training", "training", "training", "validation", "test"][k % 5];
        set_csv.push_str(&format!("{name},{set}\n"));
    }
    std::fs::write(root.join("koniq10k_scores_and_distributions.csv"), csv).unwrap();
    if sets {
        std::fs::write(root.join("koniq10k_distributions_sets.csv"), set_csv).unwrap();
    }
}

/// The DMOS (SIQAD) or MOS (SCID) the fixtures give reference `r`, type `t`, level `l`.
pub fn screen_score(r: usize, t: usize, l: usize) -> f64 {
    10.0 + ((r * 37 + t * 11 + l * 5) % 800) as f64 / 10.0
}

/// SIQAD with `refs` references (all 7 types x 7 levels each), `sccdmos.txt` as `DMOS name`.
pub fn build_siqad(root: &Path, refs: usize) {
    let p = Painter::new(8, 6);
    let mut text = String::new();
    for r in 1..=refs {
        p.paint(&root.join("references").join(format!("cim{r}.bmp")));
        for t in 1..=7 {
            for l in 1..=7 {
                let name = format!("cim{r}_{t}_{l}.bmp");
                p.paint(&root.join("DistortedImages").join(&name));
                text.push_str(&format!("{} {name}\n", screen_score(r, t, l)));
            }
        }
    }
    std::fs::write(root.join("sccdmos.txt"), text).unwrap();
}

/// SCID with `refs` references (all 9 types x 5 levels each); `MOS_SCID.txt` as
/// `reference name MOS` with Windows line ends, in UTF-16 (little-endian, with a byte-order
/// mark) as distributed, or in UTF-8 when `utf16` is false.
pub fn build_scid(root: &Path, refs: usize, utf16: bool) {
    let p = Painter::new(8, 6);
    let mut text = String::new();
    for r in 1..=refs {
        p.paint(&root.join("ReferenceSCIs").join(format!("SCI{r:02}.bmp")));
        for t in 1..=9 {
            for l in 1..=5 {
                let name = format!("SCI{r:02}_{t}_{l}");
                p.paint(&root.join("DistortedSCIs").join(format!("{name}.bmp")));
                text.push_str(&format!("SCI{r:02}\t{name}\t{}\r\n", screen_score(r, t, l)));
            }
        }
    }
    let bytes = if utf16 {
        std::iter::once(0xFEFF_u16)
            .chain(text.encode_utf16())
            .flat_map(|u| u.to_le_bytes())
            .collect()
    } else {
        text.into_bytes()
    };
    std::fs::write(root.join("MOS_SCID.txt"), bytes).unwrap();
}

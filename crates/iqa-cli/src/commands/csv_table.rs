//! Reading named columns of a CSV file, with errors that name the file, line and column.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A CSV file held in memory: its header and records.
pub struct CsvTable {
    path: PathBuf,
    headers: Vec<String>,
    records: Vec<csv::StringRecord>,
}

impl CsvTable {
    /// Reads the whole file; the first line is the header.
    pub fn open(path: &Path) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("cannot open `{}`", path.display()))?;
        let headers = reader
            .headers()
            .with_context(|| format!("cannot read the header line of `{}`", path.display()))?
            .iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        if let Some(name) = iqa_io::repeated_name(headers.iter().map(String::as_str)) {
            bail!(
                "`{}` has two columns named `{name}`; rename one so that it is clear which to use",
                path.display()
            );
        }
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("cannot parse `{}` as CSV", path.display()))?;
        if headers.iter().all(String::is_empty) && records.is_empty() {
            bail!(
                "`{}` is empty; expected a header line and rows",
                path.display()
            );
        }
        if records.is_empty() {
            bail!("`{}` has a header but no rows", path.display());
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
            records,
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    fn index(&self, column: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == column)
            .with_context(|| {
                format!(
                    "column `{column}` not found in `{}`; its columns are: {}",
                    self.path.display(),
                    self.headers.join(", ")
                )
            })
    }

    /// The column's cells as finite numbers.
    pub fn numeric(&self, column: &str) -> Result<Vec<f64>> {
        let index = self.index(column)?;
        self.records
            .iter()
            .enumerate()
            .map(|(row, record)| {
                let cell = record.get(index).unwrap_or("");
                // Line numbers count the header as line 1.
                let line = row + 2;
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    Ok(v) => bail!(
                        "`{}` line {line}, column `{column}`: {v} is not a finite number",
                        self.path.display()
                    ),
                    Err(_) if cell.is_empty() => bail!(
                        "`{}` line {line}, column `{column}`: empty cell; expected a number",
                        self.path.display()
                    ),
                    Err(_) => bail!(
                        "`{}` line {line}, column `{column}`: `{cell}` is not a number",
                        self.path.display()
                    ),
                }
            })
            .collect()
    }

    /// The column's cells as text.
    pub fn text(&self, column: &str) -> Result<Vec<String>> {
        let index = self.index(column)?;
        Ok(self
            .records
            .iter()
            .map(|record| record.get(index).unwrap_or("").to_string())
            .collect())
    }
}

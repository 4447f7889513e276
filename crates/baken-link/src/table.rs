//! Reading input tables (CSV, and Parquet with the `parquet` feature) from readers
//! the caller opened, into [`InputRow`]s. Every error names the file, the line (CSV)
//! or row (Parquet) and the column. Lines are limited in length so a file without
//! line breaks cannot exhaust memory.

use std::io::{self, Read};

use crate::batch::InputRow;
use crate::mapping::Mapping;
use crate::schema::RawRecord;

/// Longest line accepted, in bytes.
pub const LINE_BYTES_MAX: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: io::Error },
    #[error(
        "{file}:1: column `{column}` (mapped to `{field}`) is missing; the header has: {available}"
    )]
    MissingColumn {
        file: String,
        column: String,
        field: String,
        available: String,
    },
    #[error("{file}:1: the header is one column containing {found:?}; the mapping's delimiter is {expected:?} (set `delimiter = \"{found}\"` in the mapping)")]
    Delimiter {
        file: String,
        found: char,
        expected: char,
    },
    #[error("{file}:{line}: column `{column}`: not valid UTF-8 (byte {byte} of the field)")]
    Utf8 {
        file: String,
        line: u64,
        column: String,
        byte: usize,
    },
    #[error("{file}:{line}: line longer than {limit} bytes")]
    LineTooLong {
        file: String,
        line: u64,
        limit: usize,
    },
    #[error("{file}:{line}: has {found} fields, the header has {expected}")]
    FieldCount {
        file: String,
        line: u64,
        found: u64,
        expected: u64,
    },
    #[error("{file}:{line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: row {row}: column `{column}`: {message}")]
    Parquet {
        file: String,
        row: u64,
        column: String,
        message: String,
    },
    #[error("{file}: empty file (no header line)")]
    Empty { file: String },
}

/// The marker error a [`LineLimit`] reader returns.
#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} too long", self.line)
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails once a line exceeds `LINE_BYTES_MAX` bytes.
struct LineLimit<R> {
    inner: R,
    line: u64,
    run: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > LINE_BYTES_MAX {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        LineTooLong { line: self.line },
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// Column positions of what the mapping needs.
struct Plan {
    id: usize,
    truth: Option<usize>,
    fields: Vec<(crate::schema::Field, usize)>,
    names: Vec<String>,
}

fn plan(
    mapping: &Mapping,
    header: &[String],
    file: &str,
    delimiter: u8,
) -> Result<Plan, InputError> {
    let find = |col: &str, field: &str| {
        header.iter().position(|h| h.trim() == col).ok_or_else(|| {
            if header.len() == 1 {
                for d in [';', ',', '\t', '|'] {
                    if d as u8 != delimiter && header[0].contains(d) {
                        return InputError::Delimiter {
                            file: file.to_owned(),
                            found: d,
                            expected: char::from(delimiter),
                        };
                    }
                }
            }
            InputError::MissingColumn {
                file: file.to_owned(),
                column: col.to_owned(),
                field: field.to_owned(),
                available: header.join(", "),
            }
        })
    };
    let id = find(&mapping.id, "id")?;
    let truth = match &mapping.truth {
        Some(t) => Some(find(t, "truth")?),
        None => None,
    };
    let mut fields = Vec::new();
    for (f, col) in &mapping.fields {
        fields.push((*f, find(col, f.key())?));
    }
    Ok(Plan {
        id,
        truth,
        fields,
        names: header.to_vec(),
    })
}

fn io_error(file: &str, e: io::Error) -> InputError {
    if let Some(l) = e.get_ref().and_then(|x| x.downcast_ref::<LineTooLong>()) {
        return InputError::LineTooLong {
            file: file.to_owned(),
            line: l.line + 1,
            limit: LINE_BYTES_MAX,
        };
    }
    InputError::Io {
        file: file.to_owned(),
        source: e,
    }
}

fn csv_error(file: &str, e: csv::Error) -> InputError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io_error(file, io),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => InputError::FieldCount {
            file: file.to_owned(),
            line: pos.map_or(line, |p| p.line()),
            found: len,
            expected: expected_len,
        },
        other => InputError::Csv {
            file: file.to_owned(),
            line,
            message: format!("{other:?}"),
        },
    }
}

/// Reads a CSV table with a header line. Calls `sink` for every record; returns the
/// number of records.
pub fn read_csv<R: Read>(
    reader: R,
    file: &str,
    mapping: &Mapping,
    source: u8,
    mut sink: impl FnMut(InputRow) -> Result<(), InputError>,
) -> Result<u64, InputError> {
    let limited = LineLimit {
        inner: reader,
        line: 0,
        run: 0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .has_headers(false)
        .flexible(false)
        .from_reader(limited);
    let mut rec = csv::ByteRecord::new();
    if !rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(file, e))?
    {
        return Err(InputError::Empty {
            file: file.to_owned(),
        });
    }
    let mut header = Vec::new();
    for (i, f) in rec.iter().enumerate() {
        let s = std::str::from_utf8(f).map_err(|e| InputError::Utf8 {
            file: file.to_owned(),
            line: 1,
            column: format!("#{}", i + 1),
            byte: e.valid_up_to(),
        })?;
        header.push(s.trim_start_matches('\u{feff}').trim().to_owned());
    }
    let plan = plan(mapping, &header, file, mapping.delimiter)?;
    let mut n = 0u64;
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_error(file, e))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let text = |i: usize| -> Result<&str, InputError> {
            let raw = rec.get(i).unwrap_or(b"");
            std::str::from_utf8(raw).map_err(|e| InputError::Utf8 {
                file: file.to_owned(),
                line,
                column: plan.names[i].clone(),
                byte: e.valid_up_to(),
            })
        };
        let mut raw = RawRecord::new();
        for &(f, i) in &plan.fields {
            let v = text(i)?;
            if !v.trim().is_empty() {
                raw.set(f, v);
            }
        }
        let truth = match plan.truth {
            Some(i) => Some(text(i)?.trim().to_owned()),
            None => None,
        };
        sink(InputRow {
            source,
            id: text(plan.id)?.trim().to_owned(),
            truth,
            raw,
        })?;
        n += 1;
    }
    Ok(n)
}

#[cfg(feature = "parquet")]
pub use self::parquet_input::{read_parquet, read_parquet_columns};

/// One column of a batch, each distinct value stored once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    /// Per row: index into `values`, or `u32::MAX` for null.
    pub slots: Vec<u32>,
    pub values: Vec<String>,
}

impl Column {
    pub fn get(&self, row: usize) -> Option<&str> {
        let s = *self.slots.get(row)?;
        self.values.get(s as usize).map(String::as_str)
    }
}

/// A batch of rows by column (what a Parquet row group gives).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnBatch {
    pub source: u8,
    pub rows: usize,
    pub ids: Column,
    pub truth: Option<Column>,
    pub fields: Vec<(crate::schema::Field, Column)>,
}

#[cfg(feature = "parquet")]
mod parquet_input {
    use crate::hybrid;
    use bytes::{Buf, Bytes};
    use parquet::basic::{Encoding, Type as PhysicalType};
    use parquet::column::page::{Page, PageReader};
    use parquet::column::reader::{get_column_reader, ColumnReader};
    use parquet::file::reader::{ChunkReader, FileReader, Length, SerializedFileReader};
    use parquet::file::serialized_reader::SerializedPageReader;
    use std::sync::Arc;

    /// One column chunk in memory, addressed by file offsets.
    struct ChunkBytes {
        start: u64,
        data: Bytes,
    }

    impl Length for ChunkBytes {
        fn len(&self) -> u64 {
            self.start + self.data.len() as u64
        }
    }

    impl ChunkReader for ChunkBytes {
        type T = bytes::buf::Reader<Bytes>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            let len = self.len().saturating_sub(start) as usize;
            Ok(self.get_bytes(start, len)?.reader())
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
            let from = start
                .checked_sub(self.start)
                .map(|s| s as usize)
                .filter(|&s| s + length <= self.data.len())
                .ok_or_else(|| {
                    parquet::errors::ParquetError::EOF(format!(
                        "{length} bytes at {start} outside the column chunk"
                    ))
                })?;
            Ok(self.data.slice(from..from + length))
        }
    }

    /// A shared reader (the file is read for the footer through it, and for the
    /// column chunks directly).
    struct ArcReader<R>(Arc<R>);

    impl<R: ChunkReader> Length for ArcReader<R> {
        fn len(&self) -> u64 {
            self.0.len()
        }
    }

    impl<R: ChunkReader> ChunkReader for ArcReader<R> {
        type T = R::T;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            self.0.get_read(start)
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
            self.0.get_bytes(start, length)
        }
    }

    use super::{plan, Column, ColumnBatch, InputError};
    use crate::batch::InputRow;
    use crate::dict::FxHashMap;
    use crate::mapping::Mapping;
    use crate::schema::RawRecord;
    use parquet::data_type::ByteArray;
    use rayon::prelude::*;

    const BATCH: usize = 8192;

    fn perr(file: &str, row: u64, column: &str, e: impl std::fmt::Display) -> InputError {
        InputError::Parquet {
            file: file.to_owned(),
            row,
            column: column.to_owned(),
            message: e.to_string(),
        }
    }

    /// Rows per batch handed to the sink when a field column had to be read by the
    /// general reader: its distinct values are found per batch, in hash maps small
    /// enough to stay in cache (one pass over a whole row group of a million rows
    /// measured slower and took 400 MiB more). Columns read from their pages need no
    /// such hashing, and then the row group is one batch.
    pub(super) const CHUNK_ROWS: usize = 65_536;

    /// One column chunk: its values and, per row, the value's index (`u32::MAX` =
    /// null). Read from a dictionary, `values` are the dictionary's entries, each
    /// distinct value once.
    #[derive(Debug)]
    struct RawColumn {
        values: Vec<ByteArray>,
        index: Vec<u32>,
        from_dictionary: bool,
    }

    /// Reads a string column chunk straight from its pages when every data page is
    /// dictionary-encoded: the dictionary gives the distinct values, the pages each
    /// row's index into it, so no value is copied or hashed per row. `Ok(None)` when a
    /// page is encoded otherwise (writers fall back to plain pages when a dictionary
    /// grows too large) or a level encoding is not the usual one: the caller then
    /// reads the chunk with the general column reader.
    fn read_dictionary_encoded(
        mut pages: impl PageReader,
        max_def: i16,
        rows: usize,
    ) -> Result<Option<RawColumn>, String> {
        let max_def = u32::try_from(max_def).map_err(|e| e.to_string())?;
        let def_width = hybrid::bit_width_of(max_def);
        let mut dict: Option<Vec<Bytes>> = None;
        // The dictionary page's number of values (plain values are appended after them).
        let mut dict_len = 0usize;
        // Distinct values of plain pages after the dictionary's, found by hashing
        // (a writer falls back to plain pages when its dictionary grows too large).
        let mut fallback: Option<FxHashMap<Bytes, u32>> = None;
        // The row count comes from the file: reserve at most 16M rows up front.
        let mut index: Vec<u32> = Vec::with_capacity(rows.min(1 << 24));
        let (mut defs, mut keys) = (Vec::new(), Vec::new());
        while let Some(page) = pages.get_next_page().map_err(|e| e.to_string())? {
            let (buf, levels, values, num_values, encoding) = match page {
                Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding,
                    ..
                } => {
                    if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                        return Ok(None);
                    }
                    // Indices already read point into the first dictionary.
                    if dict.is_some() {
                        return Err("a second dictionary page in one column chunk".into());
                    }
                    let entries = plain_byte_arrays(&buf, num_values as usize)?;
                    dict_len = entries.len();
                    dict = Some(entries);
                    continue;
                }
                Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                } => {
                    if !readable(encoding, &dict)
                        || (max_def > 0 && def_level_encoding != Encoding::RLE)
                    {
                        return Ok(None);
                    }
                    // Version 1: the levels carry their length in four bytes.
                    let (start, len) = match max_def {
                        0 => (0, 0),
                        _ => (
                            4,
                            le_u32(&buf, 0).ok_or("data page ends before its levels")?,
                        ),
                    };
                    (buf, start..start + len, start + len, num_values, encoding)
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                } => {
                    if !readable(encoding, &dict) || rep_levels_byte_len != 0 {
                        return Ok(None);
                    }
                    let len = def_levels_byte_len as usize;
                    (buf, 0..len, len, num_values, encoding)
                }
            };
            let dict = dict
                .as_mut()
                .ok_or("data page before the dictionary page")?;
            let n = num_values as usize;
            // Checked before anything is allocated for the page's values.
            if n > rows - index.len() {
                return Err(format!("pages hold more than the row group's {rows} rows"));
            }
            defs.clear();
            if max_def > 0 {
                let level_bytes = buf.get(levels).ok_or("levels outside the page")?;
                hybrid::decode(level_bytes, def_width, n, &mut defs).map_err(|e| e.to_string())?;
            }
            let present = if max_def > 0 {
                defs.iter().filter(|&&d| d == max_def).count()
            } else {
                n
            };
            keys.clear();
            if values > buf.len() {
                return Err("values outside the page".into());
            }
            if encoding == Encoding::PLAIN {
                let seen = fallback.get_or_insert_with(|| {
                    let mut m = FxHashMap::with_capacity_and_hasher(dict.len(), Default::default());
                    for (i, v) in dict.iter().enumerate() {
                        m.entry(v.clone()).or_insert(i as u32);
                    }
                    m
                });
                for v in plain_byte_arrays(&buf.slice(values..), present)? {
                    let id = *seen.entry(v).or_insert_with_key(|v| {
                        dict.push(v.clone());
                        (dict.len() - 1) as u32
                    });
                    keys.push(id);
                }
            } else if present > 0 {
                let (&width, runs) = buf[values..]
                    .split_first()
                    .ok_or("page ends before its values")?;
                hybrid::decode(runs, width, present, &mut keys).map_err(|e| e.to_string())?;
                if let Some(&bad) = keys.iter().find(|&&k| k as usize >= dict_len) {
                    return Err(format!(
                        "dictionary index {bad} beyond the dictionary's {dict_len} values"
                    ));
                }
            }
            if max_def > 0 {
                let mut next = keys.iter();
                index.extend(defs.iter().map(|&d| match d == max_def {
                    true => *next.next().expect("one key per present value"),
                    false => u32::MAX,
                }));
            } else {
                index.extend_from_slice(&keys);
            }
        }
        let values = dict
            .unwrap_or_default()
            .into_iter()
            .map(ByteArray::from)
            .collect();
        if index.len() != rows {
            return Err(format!("expected {rows} rows, read {}", index.len()));
        }
        Ok(Some(RawColumn {
            values,
            index,
            from_dictionary: true,
        }))
    }

    /// Whether a data page can be read here: dictionary indices, or plain values after
    /// a dictionary (a column without a dictionary is left to the general reader).
    fn readable(e: Encoding, dict: &Option<Vec<Bytes>>) -> bool {
        match e {
            Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => true,
            Encoding::PLAIN => dict.is_some(),
            _ => false,
        }
    }

    /// The four-byte little-endian length at `pos`.
    fn le_u32(buf: &[u8], pos: usize) -> Option<usize> {
        let b = buf.get(pos..pos + 4)?;
        Some(u32::from_le_bytes(b.try_into().expect("four bytes")) as usize)
    }

    /// Values of a plain-encoded byte-array page: each a four-byte little-endian
    /// length and the bytes (shared with the page, not copied).
    fn plain_byte_arrays(buf: &Bytes, n: usize) -> Result<Vec<Bytes>, String> {
        // Each value takes at least its four-byte length: a count larger than the page
        // allows is not allocated for.
        let mut out = Vec::with_capacity(n.min(buf.len() / 4));
        let mut pos = 0usize;
        for _ in 0..n {
            let len = le_u32(buf, pos).ok_or("page ends inside a value's length")?;
            let end = pos + 4 + len;
            if end > buf.len() {
                return Err("page ends inside a value".into());
            }
            out.push(buf.slice(pos + 4..end));
            pos = end;
        }
        Ok(out)
    }

    fn display_bytes<T: std::fmt::Display>(v: &T) -> ByteArray {
        ByteArray::from(v.to_string().into_bytes())
    }

    fn read_raw(
        reader: ColumnReader,
        max_def: i16,
        rows: usize,
        file: &str,
        column: &str,
        first_row: u64,
    ) -> Result<RawColumn, InputError> {
        let mut defs: Vec<i16> = Vec::new();
        macro_rules! read_all {
            ($r:expr) => {{
                let mut r = $r;
                let mut vals = Vec::with_capacity(rows);
                loop {
                    let (recs, _, _) = r
                        .read_records(BATCH, Some(&mut defs), None, &mut vals)
                        .map_err(|e| perr(file, first_row, column, e))?;
                    if recs == 0 {
                        break;
                    }
                }
                vals
            }};
            ($r:expr, $conv:expr) => {{
                let conv = $conv;
                read_all!($r).iter().map(conv).collect::<Vec<ByteArray>>()
            }};
        }
        let values = match reader {
            // Moved, not cloned: no reference count traffic per value.
            ColumnReader::ByteArrayColumnReader(r) => read_all!(r),
            ColumnReader::Int32ColumnReader(r) => read_all!(r, display_bytes::<i32>),
            ColumnReader::Int64ColumnReader(r) => read_all!(r, display_bytes::<i64>),
            ColumnReader::DoubleColumnReader(r) => read_all!(r, display_bytes::<f64>),
            ColumnReader::BoolColumnReader(r) => read_all!(r, display_bytes::<bool>),
            _ => {
                return Err(perr(
                    file,
                    first_row + 1,
                    column,
                    "unsupported column type (use strings or integers)",
                ))
            }
        };
        let index: Vec<u32> = if max_def == 0 {
            (0..values.len() as u32).collect()
        } else {
            let mut next = 0u32;
            defs.iter()
                .map(|&d| {
                    if d == max_def {
                        next += 1;
                        next - 1
                    } else {
                        u32::MAX
                    }
                })
                .collect()
        };
        let present = index.iter().filter(|&&i| i != u32::MAX).count();
        if index.len() != rows || present != values.len() {
            return Err(perr(
                file,
                first_row + 1,
                column,
                format!(
                    "expected {rows} rows, read {} ({} values)",
                    index.len(),
                    values.len()
                ),
            ));
        }
        Ok(RawColumn {
            values,
            index,
            from_dictionary: false,
        })
    }

    /// Rows `range` of a column, each distinct value once.
    /// With `share` false (ids and truth, which are only copied per row) every row
    /// keeps its own value and nothing is hashed.
    fn dedup(
        raw: &RawColumn,
        range: std::ops::Range<usize>,
        share: bool,
        file: &str,
        column: &str,
        first_row: u64,
    ) -> Result<Column, InputError> {
        let cap = if share && !raw.from_dictionary {
            range.len().min(1 << 16)
        } else {
            0
        };
        let mut seen: FxHashMap<&[u8], u32> =
            FxHashMap::with_capacity_and_hasher(cap, Default::default());
        // A dictionary's values are distinct already: an array indexed by the
        // dictionary position replaces the hash map.
        let mut local: Vec<u32> = match share && raw.from_dictionary {
            true => vec![u32::MAX; raw.values.len()],
            false => Vec::new(),
        };
        let mut col = Column {
            slots: Vec::with_capacity(range.len()),
            values: Vec::new(),
        };
        for row in range {
            let vi = raw.index[row];
            if vi == u32::MAX {
                col.slots.push(u32::MAX);
                continue;
            }
            let b = raw.values[vi as usize].data();
            let known = match local.get(vi as usize) {
                Some(&id) => (id != u32::MAX).then_some(id),
                None => seen.get(b).copied(),
            };
            let id = match known {
                Some(id) => id,
                None => {
                    let s = std::str::from_utf8(b).map_err(|e| {
                        let msg = format!("not valid UTF-8 (byte {})", e.valid_up_to());
                        perr(file, first_row + row as u64 + 1, column, msg)
                    })?;
                    let id = col.values.len() as u32;
                    col.values.push(s.to_owned());
                    if let Some(l) = local.get_mut(vi as usize) {
                        *l = id;
                    } else if share {
                        seen.insert(b, id);
                    }
                    id
                }
            };
            col.slots.push(id);
        }
        Ok(col)
    }

    /// Reads a Parquet table (flat schema; string, integer, float or boolean
    /// columns) one row group at a time. Calls `sink` for every batch: the whole row
    /// group when every field column was read from its pages, otherwise batches of
    /// 65,536 rows; returns the number of rows.
    pub fn read_parquet_columns<R: ChunkReader + 'static>(
        reader: R,
        file: &str,
        mapping: &Mapping,
        source: u8,
        mut sink: impl FnMut(ColumnBatch) -> Result<(), InputError>,
    ) -> Result<u64, InputError> {
        let fr_reader = Arc::new(reader);
        let fr = SerializedFileReader::new(ArcReader(Arc::clone(&fr_reader)))
            .map_err(|e| perr(file, 0, "-", e))?;
        let meta = fr.metadata();
        let schema = meta.file_metadata().schema_descr();
        let header: Vec<String> = (0..schema.num_columns())
            .map(|i| schema.column(i).name().to_owned())
            .collect();
        let p = plan(mapping, &header, file, mapping.delimiter)?;
        let mut row0 = 0u64;
        for g in 0..meta.num_row_groups() {
            // Every column chunk is decompressed and decoded on its own thread (each
            // with its own row-group reader); errors are reported in column order.
            let mut cols: Vec<usize> = vec![p.id];
            cols.extend(p.truth);
            cols.extend(p.fields.iter().map(|&(_, c)| c));
            let rows = usize::try_from(meta.row_group(g).num_rows()).unwrap_or(0);
            // The column chunks are read from the file one after the other, then
            // decompressed and decoded in parallel from memory (a `File` reader shares
            // its offset between clones, so it cannot be read from several threads).
            let rg_meta = meta.row_group(g);
            let chunks = cols
                .iter()
                .map(|&c| {
                    let (start, len) = rg_meta.column(c).byte_range();
                    let data = usize::try_from(len)
                        .map_err(|e| perr(file, row0, &header[c], e))
                        .and_then(|len| {
                            fr_reader
                                .get_bytes(start, len)
                                .map_err(|e| perr(file, row0, &header[c], e))
                        })?;
                    Ok(Arc::new(ChunkBytes { start, data }))
                })
                .collect::<Result<Vec<_>, InputError>>()?;
            // Ids and truth are copied per row anyway: only field columns are worth
            // reading from their pages (an id column's plain pages would be hashed for
            // nothing).
            let copied = 1 + usize::from(p.truth.is_some());
            let mut raws = cols
                .par_iter()
                .enumerate()
                .zip(chunks)
                .map(|((k, &c), chunk)| -> Result<RawColumn, InputError> {
                    let pages = || {
                        SerializedPageReader::new(Arc::clone(&chunk), rg_meta.column(c), rows, None)
                            .map_err(|e| perr(file, row0, &header[c], e))
                    };
                    let descr = schema.column(c);
                    if k >= copied
                        && descr.physical_type() == PhysicalType::BYTE_ARRAY
                        && descr.max_rep_level() == 0
                    {
                        let read = read_dictionary_encoded(pages()?, descr.max_def_level(), rows)
                            .map_err(|e| perr(file, row0 + 1, &header[c], e))?;
                        if let Some(raw) = read {
                            return Ok(raw);
                        }
                    }
                    let max_def = descr.max_def_level();
                    let cr = get_column_reader(descr, Box::new(pages()?));
                    read_raw(cr, max_def, rows, file, &header[c], row0)
                })
                .collect::<Vec<_>>()
                .into_iter();
            let mut next = || raws.next().expect("one raw column per planned column");
            let ids = next()?;
            let truth = p.truth.map(|_| next()).transpose()?;
            let mut fields = Vec::with_capacity(p.fields.len());
            for &(f, c) in &p.fields {
                fields.push((f, c, next()?));
            }
            // When every field column came from a dictionary nothing is hashed per
            // row, and the whole row group is one batch (each distinct value is then
            // normalised once, without a lookup in the piece cache).
            let chunk_rows = match fields.iter().all(|(_, _, raw)| raw.from_dictionary) {
                true => rows.max(1),
                false => CHUNK_ROWS,
            };
            let mut start = 0;
            while start < rows {
                let range = start..(start + chunk_rows).min(rows);
                let d = |raw: &RawColumn, c: usize, share: bool| {
                    dedup(raw, range.clone(), share, file, &header[c], row0)
                };
                // Ids, truth and fields are deduplicated in parallel; errors in
                // column order.
                let mut todo: Vec<(&RawColumn, usize, bool)> = vec![(&ids, p.id, false)];
                if let (Some(t), Some(c)) = (&truth, p.truth) {
                    todo.push((t, c, false));
                }
                todo.extend(fields.iter().map(|(_, c, raw)| (raw, *c, true)));
                let mut cols = todo
                    .par_iter()
                    .map(|&(raw, c, share)| d(raw, c, share))
                    .collect::<Vec<_>>()
                    .into_iter();
                let ids_col = cols.next().expect("ids column")?;
                let truth_col = match p.truth {
                    Some(_) => Some(cols.next().expect("truth column")?),
                    None => None,
                };
                let mut batch_fields = Vec::with_capacity(fields.len());
                for ((f, _, _), col) in fields.iter().zip(cols) {
                    batch_fields.push((*f, col?));
                }
                let batch = ColumnBatch {
                    source,
                    rows: range.len(),
                    ids: ids_col,
                    truth: truth_col,
                    fields: batch_fields,
                };
                sink(batch)?;
                start = range.end;
            }
            row0 += rows as u64;
        }
        Ok(row0)
    }

    /// Like [`read_parquet_columns`], one [`InputRow`] at a time.
    pub fn read_parquet<R: ChunkReader + 'static>(
        reader: R,
        file: &str,
        mapping: &Mapping,
        source: u8,
        mut sink: impl FnMut(InputRow) -> Result<(), InputError>,
    ) -> Result<u64, InputError> {
        read_parquet_columns(reader, file, mapping, source, |b| {
            for r in 0..b.rows {
                let mut raw = RawRecord::new();
                for (f, col) in &b.fields {
                    if let Some(v) = col.get(r) {
                        if !v.trim().is_empty() {
                            raw.set(*f, v);
                        }
                    }
                }
                sink(InputRow {
                    source: b.source,
                    id: b.ids.get(r).unwrap_or_default().to_owned(),
                    truth: b.truth.as_ref().and_then(|t| t.get(r)).map(str::to_owned),
                    raw,
                })?;
            }
            Ok(())
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use parquet::column::page::PageMetadata;

        /// Pages handed over as they are, as a hostile file could lay them out.
        struct Pages(std::vec::IntoIter<Page>);

        impl Iterator for Pages {
            type Item = parquet::errors::Result<Page>;
            fn next(&mut self) -> Option<Self::Item> {
                self.0.next().map(Ok)
            }
        }

        impl PageReader for Pages {
            fn get_next_page(&mut self) -> parquet::errors::Result<Option<Page>> {
                Ok(self.0.next())
            }
            fn peek_next_page(&mut self) -> parquet::errors::Result<Option<PageMetadata>> {
                Ok(None)
            }
            fn skip_next_page(&mut self) -> parquet::errors::Result<()> {
                Ok(())
            }
        }

        fn dictionary(values: &[&str], claimed: u32) -> Page {
            let mut buf = Vec::new();
            for v in values {
                buf.extend((v.len() as u32).to_le_bytes());
                buf.extend(v.as_bytes());
            }
            Page::DictionaryPage {
                buf: Bytes::from(buf),
                num_values: claimed,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            }
        }

        /// A data page of a required column: eight-bit indices, one repeated run each.
        fn indices(keys: &[u32]) -> Page {
            let mut buf = vec![8u8];
            for &k in keys {
                buf.extend([2, k as u8]);
            }
            Page::DataPage {
                buf: Bytes::from(buf),
                num_values: keys.len() as u32,
                encoding: Encoding::RLE_DICTIONARY,
                def_level_encoding: Encoding::RLE,
                rep_level_encoding: Encoding::RLE,
                statistics: None,
            }
        }

        fn read(pages: Vec<Page>, rows: usize) -> Result<Option<RawColumn>, String> {
            read_dictionary_encoded(Pages(pages.into_iter()), 0, rows)
        }

        #[test]
        fn hostile_pages_are_errors_not_panics() {
            let raw = read(vec![dictionary(&["a", "b"], 2), indices(&[1, 0, 1])], 3)
                .unwrap()
                .unwrap();
            assert_eq!(raw.index, [1, 0, 1]);
            assert_eq!(raw.values.len(), 2);
            let second = vec![
                dictionary(&["a", "b"], 2),
                indices(&[1]),
                dictionary(&["c"], 1),
                indices(&[0, 0]),
            ];
            assert!(read(second, 3).unwrap_err().contains("second dictionary"));
            let too_many = vec![dictionary(&["a"], 1), indices(&[0, 0, 0, 0])];
            assert!(read(too_many, 3).unwrap_err().contains("more than"));
            let beyond = vec![dictionary(&["a"], 1), indices(&[5])];
            assert!(read(beyond, 1).unwrap_err().contains("beyond"));
            // A dictionary claiming four billion values in eight bytes: refused,
            // nothing of that size allocated.
            let claims = vec![dictionary(&["a"], u32::MAX), indices(&[0])];
            assert!(read(claims, 1).unwrap_err().contains("page ends"));
            let before = vec![indices(&[0])];
            assert!(read(before, 1)
                .unwrap_err()
                .contains("before the dictionary"));
        }
    }
}

#[cfg(all(test, feature = "parquet"))]
mod tests {
    use std::sync::Arc;

    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    use super::parquet_input::CHUNK_ROWS;
    use super::*;
    use crate::schema::Field;

    fn mapping() -> Mapping {
        Mapping::parse(
            "id = \"id\"\ntruth = \"cluster\"\n[fields]\nsurname = \"surname\"\ncity = \"city\"\n",
            "m.toml",
        )
        .unwrap()
    }

    /// Writes the next column of `rg`: optional strings.
    fn write_optional<'a>(
        rg: &mut parquet::file::writer::SerializedRowGroupWriter<'_, std::fs::File>,
        col: impl Iterator<Item = Option<&'a str>>,
    ) {
        let col: Vec<Option<&str>> = col.collect();
        let mut c = rg.next_column().unwrap().unwrap();
        let defs: Vec<i16> = col.iter().map(|v| i16::from(v.is_some())).collect();
        let v: Vec<ByteArray> = col.iter().flatten().map(|s| ByteArray::from(*s)).collect();
        c.typed::<ByteArrayType>()
            .write_batch(&v, Some(&defs), None)
            .unwrap();
        c.close().unwrap();
    }

    /// A two-row-group file: `id` int64, `cluster` string, `surname` and `city`
    /// optional strings with nulls and repeats.
    fn parquet_file() -> std::fs::File {
        let schema = Arc::new(
            parse_message_type(
                "message m { required int64 id; required binary cluster (UTF8); \
                 optional binary surname (UTF8); optional binary city (UTF8); }",
            )
            .unwrap(),
        );
        let file = tempfile::tempfile().unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(file.try_clone().unwrap(), schema, props).unwrap();
        type Group<'a> = (
            &'a [i64],
            &'a [&'a str],
            &'a [Option<&'a str>],
            &'a [Option<&'a str>],
        );
        let groups: [Group; 2] = [
            (
                &[1, 2, 3],
                &["a", "a", "b"],
                &[Some("Jansen"), None, Some("Jansen")],
                &[Some("Utrecht"), Some("Gent"), None],
            ),
            (&[4], &["c"], &[Some("de Vries")], &[None]),
        ];
        for (ids, clusters, surnames, cities) in groups {
            let mut rg = w.next_row_group().unwrap();
            let mut c = rg.next_column().unwrap().unwrap();
            c.typed::<Int64Type>().write_batch(ids, None, None).unwrap();
            c.close().unwrap();
            let mut c = rg.next_column().unwrap().unwrap();
            let v: Vec<ByteArray> = clusters.iter().map(|s| ByteArray::from(*s)).collect();
            c.typed::<ByteArrayType>()
                .write_batch(&v, None, None)
                .unwrap();
            c.close().unwrap();
            for col in [surnames, cities] {
                write_optional(&mut rg, col.iter().copied());
            }
            rg.close().unwrap();
        }
        w.close().unwrap();
        file
    }

    #[test]
    fn parquet_columns_keep_nulls_and_share_repeated_values() {
        let mut batches = Vec::new();
        let n = read_parquet_columns(parquet_file(), "t.parquet", &mapping(), 0, |b| {
            batches.push(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 4);
        assert_eq!(batches.len(), 2);
        let b = &batches[0];
        assert_eq!(
            (0..3).map(|r| b.ids.get(r).unwrap()).collect::<Vec<_>>(),
            ["1", "2", "3"]
        );
        let surname = &b
            .fields
            .iter()
            .find(|(f, _)| *f == Field::Surname)
            .unwrap()
            .1;
        assert_eq!(surname.values, ["Jansen"]);
        assert_eq!(surname.slots, [0, u32::MAX, 0]);
        let mut rows = Vec::new();
        read_parquet(parquet_file(), "t.parquet", &mapping(), 1, |r| {
            rows.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(rows[3].raw.get(Field::Surname), Some("de Vries"));
        assert_eq!(rows[3].raw.get(Field::City), None);
        assert_eq!(rows[1].truth.as_deref(), Some("a"));
        assert_eq!(rows[1].source, 1);
    }

    /// How the test file's string columns are encoded.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Dictionary {
        /// Every page holds dictionary indices.
        Whole,
        /// The writer falls back to plain pages once a dictionary passes 1 KiB.
        Overflowing,
        /// The city column has no dictionary at all.
        CityPlain,
    }

    /// `rows` rows of `id`, `surname` (from 300 names, every 7th null) and `city`
    /// (all distinct, every 5th null), in small pages, written as data pages of
    /// `version`.
    fn dictionary_file(
        rows: usize,
        version: parquet::file::properties::WriterVersion,
        dictionary: Dictionary,
    ) -> (std::fs::File, Vec<[Option<String>; 2]>) {
        let schema = Arc::new(
            parse_message_type(
                "message m { required int64 id; \
                 optional binary surname (UTF8); optional binary city (UTF8); }",
            )
            .unwrap(),
        );
        let mut props = WriterProperties::builder()
            .set_writer_version(version)
            .set_data_page_row_count_limit(1000)
            .set_write_batch_size(500);
        match dictionary {
            Dictionary::Whole => {}
            Dictionary::Overflowing => props = props.set_dictionary_page_size_limit(1024),
            Dictionary::CityPlain => {
                let city = parquet::schema::types::ColumnPath::from("city");
                props = props.set_column_dictionary_enabled(city, false);
            }
        }
        let values: Vec<[Option<String>; 2]> = (0..rows)
            .map(|i| {
                [
                    (i % 7 != 0).then(|| format!("Naam{}ë", (i * 31) % 300)),
                    (i % 5 != 0).then(|| format!("Stad {i}")),
                ]
            })
            .collect();
        let file = tempfile::tempfile().unwrap();
        let mut w =
            SerializedFileWriter::new(file.try_clone().unwrap(), schema, Arc::new(props.build()))
                .unwrap();
        let mut rg = w.next_row_group().unwrap();
        let mut c = rg.next_column().unwrap().unwrap();
        let ids: Vec<i64> = (0..rows as i64).collect();
        c.typed::<Int64Type>()
            .write_batch(&ids, None, None)
            .unwrap();
        c.close().unwrap();
        for k in 0..2 {
            write_optional(&mut rg, values.iter().map(|v| v[k].as_deref()));
        }
        rg.close().unwrap();
        w.close().unwrap();
        (file, values)
    }

    #[test]
    fn dictionary_encoded_pages_read_like_plain_ones() {
        use parquet::file::properties::WriterVersion;
        let m = Mapping::parse(
            "id = \"id\"\n[fields]\nsurname = \"surname\"\ncity = \"city\"\n",
            "m.toml",
        )
        .unwrap();
        let rows = CHUNK_ROWS + 4_500;
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            for dictionary in [
                Dictionary::Whole,
                Dictionary::Overflowing,
                Dictionary::CityPlain,
            ] {
                let case = format!("{version:?}, {dictionary:?}");
                let (file, values) = dictionary_file(rows, version, dictionary);
                let mut read = Vec::new();
                read_parquet(file.try_clone().unwrap(), "d.parquet", &m, 0, |r| {
                    read.push(r);
                    Ok(())
                })
                .unwrap();
                assert_eq!(read.len(), rows, "{case}");
                for (i, (r, v)) in read.iter().zip(&values).enumerate() {
                    assert_eq!(r.id, i.to_string(), "{case}");
                    assert_eq!(r.raw.get(Field::Surname), v[0].as_deref(), "{case} row {i}");
                    assert_eq!(r.raw.get(Field::City), v[1].as_deref(), "{case} row {i}");
                }
                // Every field read from its pages (a dictionary, with or without
                // plain pages after it): one batch for the row group, each distinct
                // value once. A column without a dictionary goes to the general
                // reader, and the batches are CHUNK_ROWS rows; so does one whose
                // dictionary overflows into delta-encoded pages (the version 2 writer's
                // fallback).
                let general = dictionary == Dictionary::CityPlain
                    || (dictionary == Dictionary::Overflowing
                        && version == WriterVersion::PARQUET_2_0);
                let mut batches = Vec::new();
                read_parquet_columns(file, "d.parquet", &m, 0, |b| {
                    batches.push(b);
                    Ok(())
                })
                .unwrap();
                let expected = if general { 2 } else { 1 };
                assert_eq!(batches.len(), expected, "{case}");
                let surname = &batches[0].fields.iter().find(|(f, _)| *f == Field::Surname);
                assert_eq!(surname.unwrap().1.values.len(), 300, "{case}");
            }
        }
    }

    #[test]
    fn parquet_missing_column_is_named() {
        let m = Mapping::parse("id = \"id\"\n[fields]\nphone = \"telefoon\"\n", "m.toml").unwrap();
        let e = read_parquet_columns(parquet_file(), "t.parquet", &m, 0, |_| Ok(())).unwrap_err();
        assert!(
            e.to_string().starts_with("t.parquet:1: column `telefoon`"),
            "{e}"
        );
    }
}

//! TFRecord framing: how a `tfevents` file is cut into records.
//!
//! Each record is `u64` little-endian length, `u32` masked CRC32C of those
//! eight bytes, the data, then `u32` masked CRC32C of the data. Both
//! checksums are checked, because a writer killed mid-record or a copied
//! file with a damaged block is exactly what an import meets. A damaged
//! record is reported with its byte offset and skipped; reading goes on:
//!
//! * the length's checksum holds but the data's does not: the length can
//!   be trusted, so reading continues right after the record;
//! * the length's checksum fails: the length cannot be trusted, so the
//!   reader scans forward byte by byte for the next offset where a whole,
//!   valid record starts (both checksums hold) and resumes there;
//! * the file ends inside a record: that is reported and the file is done.

/// Bytes before a record's data: length and its checksum.
const HEADER: usize = 12;
/// Bytes after a record's data: its checksum.
const FOOTER: usize = 4;

/// TensorFlow's checksum masking (`crc32c.h`): rotate right by 15 and add a
/// constant, so a CRC over data that embeds CRCs stays well distributed.
pub(crate) fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    (crc.rotate_right(15)).wrapping_add(0xa282_ead8)
}

/// One step of reading a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// A record whose checksums hold, starting at `offset`.
    Record {
        /// Byte offset of the record's header in the file.
        offset: u64,
        /// Its data.
        data: &'a [u8],
    },
    /// Damage at `offset`, described for a person.
    Damage {
        /// Byte offset where the damaged record starts.
        offset: u64,
        /// What is wrong, and what the reader did about it.
        problem: String,
    },
}

/// The records of a whole file held in memory, in order, with damage
/// reported in between.
pub(crate) struct Records<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    /// Read `data`, a whole `tfevents` file.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Records { data, pos: 0 }
    }

    /// The record starting at `at` if its header and data checksums hold:
    /// its data and the offset after it.
    fn valid_at(&self, at: usize) -> Option<(&'a [u8], usize)> {
        let header = self.data.get(at..at + HEADER)?;
        let (len_bytes, len_crc) = header.split_at(8);
        if masked_crc(len_bytes) != u32_le(len_crc) {
            return None;
        }
        let len = usize::try_from(u64_le(len_bytes)).ok()?;
        let end = at.checked_add(HEADER)?.checked_add(len)?;
        let data = self.data.get(at + HEADER..end)?;
        let crc = self.data.get(end..end + FOOTER)?;
        (masked_crc(data) == u32_le(crc)).then_some((data, end + FOOTER))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        let at = self.pos;
        let rest = self.data.len() - at;
        if rest == 0 {
            return None;
        }
        let offset = at as u64;
        let done = |this: &mut Self, problem: String| {
            this.pos = this.data.len();
            Some(Item::Damage { offset, problem })
        };
        if rest < HEADER {
            return done(
                self,
                format!("the file ends inside a record header ({rest} of {HEADER} bytes)"),
            );
        }
        let (len_bytes, len_crc) = self.data[at..at + HEADER].split_at(8);
        if masked_crc(len_bytes) != u32_le(len_crc) {
            // The length cannot be trusted: find the next valid record.
            return match (at + 1..self.data.len()).find(|&p| self.valid_at(p).is_some()) {
                Some(next) => {
                    self.pos = next;
                    Some(Item::Damage {
                        offset,
                        problem: format!(
                            "the record length's checksum does not match; {} bytes skipped to \
                             the next valid record at byte {next}",
                            next - at
                        ),
                    })
                }
                None => done(
                    self,
                    "the record length's checksum does not match and no valid record follows; \
                     the rest of the file is skipped"
                        .into(),
                ),
            };
        }
        let len = u64_le(len_bytes);
        let available = (rest - HEADER) as u64;
        if len.saturating_add(FOOTER as u64) > available {
            return done(
                self,
                format!(
                    "the file ends inside a record ({len} data bytes announced, {} present)",
                    available.saturating_sub(FOOTER as u64).min(len)
                ),
            );
        }
        let len = len as usize;
        let data = &self.data[at + HEADER..at + HEADER + len];
        let crc = &self.data[at + HEADER + len..at + HEADER + len + FOOTER];
        self.pos = at + HEADER + len + FOOTER;
        if masked_crc(data) != u32_le(crc) {
            return Some(Item::Damage {
                offset,
                problem: format!("the record data's checksum does not match ({len} bytes skipped)"),
            });
        }
        Some(Item::Record { offset, data })
    }
}

fn u64_le(bytes: &[u8]) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(bytes);
    u64::from_le_bytes(b)
}

fn u32_le(bytes: &[u8]) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(bytes);
    u32::from_le_bytes(b)
}

/// `data` framed as one record (tests and benchmarks write files with it).
#[cfg(test)]
pub(crate) fn frame(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + HEADER + FOOTER);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(file: &[u8]) -> Vec<Item<'_>> {
        Records::new(file).collect()
    }

    #[test]
    fn masked_crc_matches_tensorflow() {
        // crc32c("") = 0 and crc32c("123456789") = 0xe3069283 (the
        // standard check value); masked as TensorFlow's `Mask`,
        // `((crc >> 15) | (crc << 17)) + 0xa282ead8`, worked out by hand.
        assert_eq!(masked_crc(b""), 0xa282_ead8);
        assert_eq!(masked_crc(b"123456789"), 0xc78a_b0e5);
    }

    #[test]
    fn reads_records_in_order() {
        let mut file = frame(b"first");
        file.extend(frame(b""));
        file.extend(frame(b"third"));
        assert_eq!(
            records(&file),
            vec![
                Item::Record {
                    offset: 0,
                    data: b"first"
                },
                Item::Record {
                    offset: 21,
                    data: b""
                },
                Item::Record {
                    offset: 37,
                    data: b"third"
                },
            ]
        );
    }

    #[test]
    fn bad_data_checksum_skips_only_that_record() {
        let mut file = frame(b"good");
        let second = file.len();
        file.extend(frame(b"flipped"));
        file[second + HEADER] ^= 1;
        file.extend(frame(b"after"));
        let items = records(&file);
        assert_eq!(items.len(), 3);
        assert!(
            matches!(&items[1], Item::Damage { offset, problem } if *offset == second as u64 && problem.contains("data's checksum"))
        );
        assert!(matches!(items[2], Item::Record { data: b"after", .. }));
    }

    #[test]
    fn bad_length_resyncs_at_the_next_valid_record() {
        let mut file = frame(b"good");
        let second = file.len();
        file.extend(frame(b"length damaged"));
        file[second] ^= 0x40;
        let third = file.len();
        file.extend(frame(b"after"));
        let items = records(&file);
        assert_eq!(items.len(), 3, "{items:?}");
        assert!(matches!(&items[1], Item::Damage { offset, problem }
            if *offset == second as u64 && problem.contains(&format!("byte {third}"))));
        assert!(matches!(items[2], Item::Record { data: b"after", .. }));
    }

    #[test]
    fn truncation_is_reported_at_the_record_start() {
        let mut file = frame(b"good");
        let second = file.len();
        file.extend(frame(b"cut short"));
        file.truncate(file.len() - 3);
        let items = records(&file);
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[1], Item::Damage { offset, problem }
            if *offset == second as u64 && problem.contains("ends inside a record")));
        // A header cut short, too.
        let items = records(&file[..second + 5]);
        assert!(matches!(&items[1], Item::Damage { problem, .. } if problem.contains("header")));
    }

    #[test]
    fn garbage_never_panics() {
        let mut noise = Vec::new();
        let mut x: u32 = 12345;
        for _ in 0..4096 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            noise.push((x >> 16) as u8);
        }
        for cut in [0, 1, 11, 12, 13, 100, 4096] {
            let items = records(&noise[..cut]);
            assert!(items.len() <= 1);
        }
        // A huge announced length with a valid checksum is truncation, not
        // an allocation.
        let len = u64::MAX.to_le_bytes();
        let mut file = len.to_vec();
        file.extend_from_slice(&masked_crc(&len).to_le_bytes());
        assert!(matches!(&records(&file)[0], Item::Damage { .. }));
    }
}

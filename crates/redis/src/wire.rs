//! What an item looks like on the wire: the payload of a stream entry.
//!
//! A frame or a thumbnail is its id, whether it has pixels, its width and
//! height, and its raw RGB bytes; a receipt is its id and checksum; the
//! download stage's input is the item id alone. Little-endian throughout.

use image::RgbImage;
use pipeline_core::{Frame, Receipt, Thumbnail};
use thiserror::Error;

/// An entry whose payload does not decode: written by something else than
/// this crate, or cut short.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("an entry's payload does not decode: {0}")]
pub struct WireError(pub &'static str);

/// A value that crosses a stream as bytes.
pub trait Wire: Sized {
    /// Appends the value's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// The value that `bytes` encode.
    fn decode(bytes: &[u8]) -> Result<Self, WireError>;
}

fn u64_at(bytes: &[u8], at: usize) -> Result<u64, WireError> {
    let slice = bytes.get(at..at + 8).ok_or(WireError("too short"))?;
    Ok(u64::from_le_bytes(slice.try_into().expect("eight bytes")))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, WireError> {
    let slice = bytes.get(at..at + 4).ok_or(WireError("too short"))?;
    Ok(u32::from_le_bytes(slice.try_into().expect("four bytes")))
}

impl Wire for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<u64, WireError> {
        if bytes.len() != 8 {
            return Err(WireError("an item id is eight bytes"));
        }
        u64_at(bytes, 0)
    }
}

fn encode_image(id: u64, pixels: Option<&RgbImage>, out: &mut Vec<u8>) {
    out.extend_from_slice(&id.to_le_bytes());
    match pixels {
        None => out.push(0),
        Some(image) => {
            out.push(1);
            out.extend_from_slice(&image.width().to_le_bytes());
            out.extend_from_slice(&image.height().to_le_bytes());
            out.extend_from_slice(image.as_raw());
        }
    }
}

fn decode_image(bytes: &[u8]) -> Result<(u64, Option<RgbImage>), WireError> {
    let id = u64_at(bytes, 0)?;
    match bytes.get(8) {
        Some(0) if bytes.len() == 9 => Ok((id, None)),
        Some(1) => {
            let (width, height) = (u32_at(bytes, 9)?, u32_at(bytes, 13)?);
            let raw = bytes[17..].to_vec();
            let image = RgbImage::from_raw(width, height, raw)
                .ok_or(WireError("the pixels do not fill the image"))?;
            Ok((id, Some(image)))
        }
        _ => Err(WireError("no pixel flag")),
    }
}

impl Wire for Frame {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_image(self.id, self.pixels.as_ref(), out);
    }

    fn decode(bytes: &[u8]) -> Result<Frame, WireError> {
        let (id, pixels) = decode_image(bytes)?;
        Ok(Frame { id, pixels })
    }
}

impl Wire for Thumbnail {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_image(self.id, self.pixels.as_ref(), out);
    }

    fn decode(bytes: &[u8]) -> Result<Thumbnail, WireError> {
        let (id, pixels) = decode_image(bytes)?;
        Ok(Thumbnail { id, pixels })
    }
}

impl Wire for Receipt {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.checksum.to_le_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Receipt, WireError> {
        if bytes.len() != 16 {
            return Err(WireError("a receipt is sixteen bytes"));
        }
        Ok(Receipt {
            id: u64_at(bytes, 0)?,
            checksum: u64_at(bytes, 8)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Wire>(value: &T) -> T {
        let mut bytes = Vec::new();
        value.encode(&mut bytes);
        T::decode(&bytes).expect("what was encoded decodes")
    }

    #[test]
    fn every_kind_of_item_survives_the_wire() {
        assert_eq!(round_trip(&42u64), 42);
        let pixels = pipeline_core::synthetic_frame(7, 16, 12);
        let frame = round_trip(&Frame {
            id: 7,
            pixels: Some(pixels.clone()),
        });
        assert_eq!((frame.id, frame.pixels), (7, Some(pixels)));
        let thumb = round_trip(&Thumbnail {
            id: 3,
            pixels: None,
        });
        assert_eq!((thumb.id, thumb.pixels), (3, None));
        let receipt = Receipt {
            id: 9,
            checksum: 0xDEAD_BEEF,
        };
        assert_eq!(round_trip(&receipt), receipt);
    }

    #[test]
    fn a_cut_payload_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        Frame {
            id: 1,
            pixels: Some(pipeline_core::synthetic_frame(1, 4, 4)),
        }
        .encode(&mut bytes);
        for len in 0..bytes.len() {
            assert!(Frame::decode(&bytes[..len]).is_err(), "cut at {len}");
        }
        assert!(Receipt::decode(&[0; 15]).is_err());
        assert!(u64::decode(&[0; 9]).is_err());
    }
}

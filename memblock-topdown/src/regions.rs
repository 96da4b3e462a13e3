//! The entries of a region array as readers see them: the kernel's `type->regions[0..cnt]`,
//! indexed and walked in order, whichever storage holds them (one array, or the host's tree).

use core::fmt;

use crate::region::Region;
use crate::storage::Storage;

/// The real regions of one array, sorted by base: what the kernel reads as
/// `type->regions[0 .. type->cnt]` (without the dummy entry of an empty array).
///
/// It reads like a slice: [`len`](Regions::len), [`get`](Regions::get), `regions[i]`,
/// [`iter`](Regions::iter) (also backwards), [`first`](Regions::first),
/// [`last`](Regions::last), [`partition_point`](Regions::partition_point), and it compares equal
/// to a slice with the same entries. Index access and the seeks are O(log n) on host storage and
/// O(1) on an array in the caller's memory; a walk costs O(1) per entry on both.
#[derive(Clone, Copy)]
pub struct Regions<'a> {
    storage: &'a Storage,
}

impl<'a> Regions<'a> {
    pub(crate) fn new(storage: &'a Storage) -> Self {
        Regions { storage }
    }

    /// The number of regions (the kernel's `cnt`, less the dummy of an empty array).
    #[inline]
    pub fn len(&self) -> usize {
        self.storage.len()
    }

    /// Whether there is no region.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `regions[i]`, or `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a Region> {
        self.storage.get(i)
    }

    /// The lowest region.
    pub fn first(&self) -> Option<&'a Region> {
        self.get(0)
    }

    /// The highest region.
    pub fn last(&self) -> Option<&'a Region> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The regions in index order.
    pub fn iter(&self) -> RegionsIter<'a> {
        RegionsIter { front: Cursor::new(self.storage), back: Cursor::new(self.storage), next: 0, end: self.len() }
    }

    /// The number of leading regions for which `pred` holds, `pred` holding on a prefix of the
    /// array and failing on the rest (as `<[T]>::partition_point`): a binary search, or a
    /// descent of the tree.
    #[inline]
    pub fn partition_point(&self, pred: impl FnMut(&Region) -> bool) -> usize {
        self.storage.partition_point(pred)
    }

    /// The entries as one slice when they are kept as one array, as in the kernel: in memory a
    /// kernel provided ([`ArrayMemory`](crate::ArrayMemory)) or without the `alloc` feature.
    /// `None` for host storage, a tree.
    pub fn as_slice(&self) -> Option<&'a [Region]> {
        self.storage.as_slice()
    }

    /// Where the entries start: the array itself when they are one
    /// ([`Regions::as_slice`]), as the kernel's `type->regions`; for host storage, the first
    /// entry (null when there is none).
    pub fn as_ptr(&self) -> *const Region {
        match self.as_slice() {
            Some(s) => s.as_ptr(),
            None => self.first().map_or(core::ptr::null(), |r| r as *const Region),
        }
    }

    /// The regions copied into a vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<Region> {
        self.iter().copied().collect()
    }
}

impl core::ops::Index<usize> for Regions<'_> {
    type Output = Region;

    /// `regions[i]`; panics past the end, as a slice does.
    fn index(&self, i: usize) -> &Region {
        match self.get(i) {
            Some(r) => r,
            None => panic!("region index {i} out of range for {} regions", self.len()),
        }
    }
}

impl fmt::Debug for Regions<'_> {
    /// As the slice of the same regions prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Regions<'_> {
    fn eq(&self, other: &Regions<'_>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Regions<'_> {}

impl PartialEq<[Region]> for Regions<'_> {
    fn eq(&self, other: &[Region]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl PartialEq<&[Region]> for Regions<'_> {
    fn eq(&self, other: &&[Region]) -> bool {
        *self == **other
    }
}

impl<const N: usize> PartialEq<[Region; N]> for Regions<'_> {
    fn eq(&self, other: &[Region; N]) -> bool {
        *self == other[..]
    }
}

#[cfg(feature = "alloc")]
impl PartialEq<alloc::vec::Vec<Region>> for Regions<'_> {
    fn eq(&self, other: &alloc::vec::Vec<Region>) -> bool {
        *self == other[..]
    }
}

impl<'a> IntoIterator for Regions<'a> {
    type Item = &'a Region;
    type IntoIter = RegionsIter<'a>;

    fn into_iter(self) -> RegionsIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Regions<'a> {
    type Item = &'a Region;
    type IntoIter = RegionsIter<'a>;

    fn into_iter(self) -> RegionsIter<'a> {
        self.iter()
    }
}

/// The regions of a [`Regions`] in index order (or backwards), O(1) per entry.
#[derive(Debug, Clone)]
pub struct RegionsIter<'a> {
    front: Cursor<'a>,
    back: Cursor<'a>,
    /// The range still to yield.
    next: usize,
    end: usize,
}

impl<'a> Iterator for RegionsIter<'a> {
    type Item = &'a Region;

    #[inline]
    fn next(&mut self) -> Option<&'a Region> {
        if self.next >= self.end {
            return None;
        }
        self.next += 1;
        self.front.get_ref(self.next - 1)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.saturating_sub(self.next);
        (n, Some(n))
    }

    /// Skips without visiting: the next entry is found by a descent.
    fn nth(&mut self, n: usize) -> Option<&'a Region> {
        self.next = self.next.saturating_add(n).min(self.end);
        self.next()
    }
}

impl<'a> DoubleEndedIterator for RegionsIter<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<&'a Region> {
        if self.next >= self.end {
            return None;
        }
        self.end -= 1;
        self.back.get_ref(self.end)
    }
}

impl ExactSizeIterator for RegionsIter<'_> {}

impl core::iter::FusedIterator for RegionsIter<'_> {}

/// Index access to one array that remembers the run (tree leaf) it last read, so that a walk
/// by index, forwards or backwards, costs O(1) per step and a jump O(log n): how the
/// free-range walks read `regions[i]` as the kernel's do.
#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    storage: &'a Storage,
    run: &'a [Region],
    start: usize,
    /// The run is the whole array (a flat array, or a tree that is one leaf): nothing to find
    /// past it.
    whole: bool,
}

impl fmt::Debug for Cursor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor").field("len", &self.storage.len()).field("run_start", &self.start).finish()
    }
}

impl<'a> Cursor<'a> {
    /// A cursor on the first run. An array in one run (small ones always) is then read with
    /// no further look-up; otherwise the first read finds its run.
    #[inline]
    pub(crate) fn new(storage: &'a Storage) -> Self {
        match storage.whole() {
            Some(run) => Cursor { storage, run, start: 0, whole: true },
            None => Cursor { storage, run: &[], start: 0, whole: false },
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.storage.len()
    }

    /// `regions[i]`.
    #[inline]
    pub(crate) fn get(&mut self, i: usize) -> Option<Region> {
        self.get_ref(i).copied()
    }

    #[inline]
    fn get_ref(&mut self, i: usize) -> Option<&'a Region> {
        match self.run.get(i.wrapping_sub(self.start)) {
            Some(r) => Some(r),
            None if self.whole => None,
            None => self.refill(i),
        }
    }

    // Out of line: a walk crosses into another leaf once per 64 entries at most.
    #[inline(never)]
    fn refill(&mut self, i: usize) -> Option<&'a Region> {
        let (run, start) = self.storage.run_at(i)?;
        (self.run, self.start) = (run, start);
        run.get(i - start)
    }

    /// The number of leading entries for which the monotone `pred` holds; the cursor moves
    /// to the run where the search ended, where the next read usually is.
    #[inline]
    pub(crate) fn partition_point(&mut self, pred: impl FnMut(&Region) -> bool) -> usize {
        if self.whole {
            return self.run.partition_point(pred);
        }
        let (i, run, start) = self.storage.seek(pred);
        (self.run, self.start) = (run, start);
        i
    }
}

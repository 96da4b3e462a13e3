//! A counted B+-tree of regions: the host storage of a region array.
//!
//! The kernel's array moves its tail on every insertion and removal, so each operation costs
//! time in proportion to the number of regions. This tree keeps the same sequence in leaves of
//! at most [`LEAF_CAP`] entries; an inner node knows, for each child, how many entries lie below
//! it and the children before it (a running total) and the last of them. The totals find entry
//! `i` with a binary search (index access, as the kernel's `regions[i]`), the last entries find where a monotone predicate turns false (a seek by
//! address), and an insertion or removal moves at most one leaf's entries and one inner node per
//! level: every operation is O(log n), whatever the array's order.

use alloc::vec::Vec;

use crate::region::Region;

/// Entries per leaf: 1.5 KiB of regions, moved at most once per insertion or removal.
const LEAF_CAP: usize = 64;
/// Children per inner node.
const INNER_CAP: usize = 32;
/// A node with fewer entries (or children) than this is joined with a neighbour that has room.
const LEAF_LOW: usize = LEAF_CAP / 4;
const INNER_LOW: usize = INNER_CAP / 4;

// An explicit tag: telling a leaf from an inner node is then one compare, not the decoding of
// a niche in a vector's capacity, on every read.
#[repr(u8)]
enum Node {
    Leaf(Vec<Region>),
    Inner(Inner),
}

/// The children of an inner node, with what a descent needs to know of each without visiting
/// it, kept in arrays of their own so that a descent reads a few cache lines per level.
struct Inner {
    /// Entries below the children up to each one, that one included (running totals): where
    /// entry `i` lies is a binary search, and the entries before a child one read.
    ends: Vec<usize>,
    /// The last entry below each child.
    lasts: Vec<Region>,
    nodes: Vec<Node>,
}

const EMPTY: Region = Region { base: 0, size: 0, nid: 0, flags: crate::region::RegionFlags::empty() };

/// A copy of `v` with `v`'s capacity: a clone of the tree is the same tree, whose nodes take an
/// insertion without growing first (a derived clone would cut every node to its length, so the
/// first insertion into each copied node would reallocate it before it could split).
fn with_room<T: Clone>(v: &[T], capacity: usize) -> Vec<T> {
    let mut copy = Vec::with_capacity(capacity);
    copy.extend_from_slice(v);
    copy
}

impl Clone for Node {
    fn clone(&self) -> Node {
        match self {
            Node::Leaf(items) => Node::Leaf(with_room(items, items.capacity())),
            Node::Inner(inner) => Node::Inner(inner.clone()),
        }
    }
}

impl Clone for Inner {
    fn clone(&self) -> Inner {
        Inner {
            ends: with_room(&self.ends, self.ends.capacity()),
            lasts: with_room(&self.lasts, self.lasts.capacity()),
            nodes: with_room(&self.nodes, self.nodes.capacity()),
        }
    }
}

impl Inner {
    fn with_capacity(cap: usize) -> Inner {
        Inner { ends: Vec::with_capacity(cap), lasts: Vec::with_capacity(cap), nodes: Vec::with_capacity(cap) }
    }

    fn of(nodes: impl IntoIterator<Item = Node>) -> Inner {
        let mut inner = Inner::with_capacity(INNER_CAP + 1);
        for node in nodes {
            inner.push(inner.nodes.len(), node);
        }
        inner
    }

    /// Entries below the children before child `k`.
    #[inline]
    fn start(&self, k: usize) -> usize {
        k.checked_sub(1).map_or(0, |prev| self.ends[prev])
    }

    /// Entries below child `k`.
    fn child_len(&self, k: usize) -> usize {
        self.ends[k] - self.start(k)
    }

    /// `n` more entries below child `k`: the running totals from `k` on move up.
    fn add_from(&mut self, k: usize, n: usize) {
        for end in &mut self.ends[k..] {
            *end += n;
        }
    }

    /// `n` fewer entries below child `k`.
    fn sub_from(&mut self, k: usize, n: usize) {
        for end in &mut self.ends[k..] {
            *end -= n;
        }
    }

    fn push(&mut self, k: usize, node: Node) {
        let n = node.len();
        let end = self.start(k) + n;
        self.add_from(k, n);
        self.ends.insert(k, end);
        self.lasts.insert(k, node.last().unwrap_or(EMPTY));
        self.nodes.insert(k, node);
    }

    fn take(&mut self, k: usize) -> Node {
        let n = self.child_len(k);
        self.ends.remove(k);
        self.sub_from(k, n);
        self.lasts.remove(k);
        self.nodes.remove(k)
    }

    /// Recomputes what is known of child `k` after it changed shape.
    fn refresh(&mut self, k: usize) {
        let (old, new) = (self.child_len(k), self.nodes[k].len());
        if new >= old {
            self.add_from(k, new - old);
        } else {
            self.sub_from(k, old - new);
        }
        self.lasts[k] = self.nodes[k].last().unwrap_or(EMPTY);
    }

    /// Which child holds entry `i`, and `i`'s index inside it. With `append`, an index equal
    /// to a child's length belongs to that child (an insertion at its end).
    #[inline]
    fn locate(&self, i: usize, append: bool) -> (usize, usize) {
        // The first child whose running total passes `i` (or reaches it, with `append`); an
        // index past every child belongs to the last one.
        let k =
            if append { self.ends.partition_point(|&end| end < i) } else { self.ends.partition_point(|&end| end <= i) };
        let k = k.min(self.ends.len() - 1);
        (k, i - self.start(k))
    }

    fn is_low(&self, k: usize) -> bool {
        match &self.nodes[k] {
            Node::Leaf(items) => items.len() < LEAF_LOW,
            Node::Inner(inner) => inner.nodes.len() < INNER_LOW,
        }
    }

    /// The upper half, after an insertion at `at` made the node overflow.
    fn split_off(&mut self, at: usize) -> Inner {
        let mid = split_point(self.nodes.len(), at);
        let below = self.start(mid);
        let mut upper = Inner::with_capacity(INNER_CAP + 1);
        upper.ends.extend(self.ends.drain(mid..).map(|end| end - below));
        upper.lasts.extend(self.lasts.drain(mid..));
        upper.nodes.extend(self.nodes.drain(mid..));
        upper
    }

    /// Joins child `k`, which became small, with a neighbour if both fit in one node.
    fn join_neighbour(&mut self, k: usize) {
        let fits = |a: &Node, b: &Node| match (a, b) {
            (Node::Leaf(x), Node::Leaf(y)) => x.len() + y.len() <= LEAF_CAP,
            (Node::Inner(x), Node::Inner(y)) => x.nodes.len() + y.nodes.len() <= INNER_CAP,
            _ => false,
        };
        let left = if k > 0 && fits(&self.nodes[k - 1], &self.nodes[k]) {
            k - 1
        } else if k + 1 < self.nodes.len() && fits(&self.nodes[k], &self.nodes[k + 1]) {
            k
        } else {
            return;
        };
        let upper = self.take(left + 1);
        match (&mut self.nodes[left], upper) {
            (Node::Leaf(x), Node::Leaf(y)) => x.extend(y),
            (Node::Inner(x), Node::Inner(y)) => {
                let below = x.ends.last().copied().unwrap_or(0);
                x.ends.extend(y.ends.iter().map(|end| end + below));
                x.lasts.extend(y.lasts);
                x.nodes.extend(y.nodes);
            }
            _ => {}
        }
        self.refresh(left);
    }
}

/// Where a node that overflowed after an insertion at `at` splits. An insertion at the very
/// end (addresses growing, as boot allocations and the scaling setup make them) leaves the
/// lower node full, so appended runs fill whole leaves.
fn split_point(len: usize, at: usize) -> usize {
    if at + 1 == len { len - 1 } else { len / 2 }
}

impl Node {
    fn len(&self) -> usize {
        match self {
            Node::Leaf(items) => items.len(),
            Node::Inner(inner) => inner.ends.last().copied().unwrap_or(0),
        }
    }

    fn last(&self) -> Option<Region> {
        match self {
            Node::Leaf(items) => items.last().copied(),
            Node::Inner(inner) => inner.lasts.last().copied(),
        }
    }

    /// Inserts `r` at `i`; returns the upper half if the node had to split.
    fn insert(&mut self, i: usize, r: Region) -> Option<Node> {
        match self {
            Node::Leaf(items) => {
                items.insert(i, r);
                if items.len() <= LEAF_CAP {
                    return None;
                }
                let mut upper = Vec::with_capacity(LEAF_CAP + 1);
                upper.extend(items.drain(split_point(items.len(), i)..));
                Some(Node::Leaf(upper))
            }
            Node::Inner(inner) => {
                let (k, at) = inner.locate(i, true);
                let split = inner.nodes[k].insert(at, r);
                inner.add_from(k, 1);
                inner.lasts[k] = inner.nodes[k].last().unwrap_or(EMPTY);
                let upper = split?;
                inner.refresh(k);
                inner.push(k + 1, upper);
                (inner.nodes.len() > INNER_CAP).then(|| Node::Inner(inner.split_off(k + 1)))
            }
        }
    }

    fn remove(&mut self, i: usize) -> Region {
        match self {
            Node::Leaf(items) => items.remove(i),
            Node::Inner(inner) => {
                let (k, at) = inner.locate(i, false);
                let r = inner.nodes[k].remove(at);
                inner.sub_from(k, 1);
                if inner.child_len(k) == 0 {
                    inner.take(k);
                } else {
                    inner.lasts[k] = inner.nodes[k].last().unwrap_or(EMPTY);
                    if inner.is_low(k) {
                        inner.join_neighbour(k);
                    }
                }
                r
            }
        }
    }

    fn update(&mut self, i: usize, f: impl FnOnce(&mut Region)) {
        match self {
            Node::Leaf(items) => f(&mut items[i]),
            Node::Inner(inner) => {
                let (k, at) = inner.locate(i, false);
                inner.nodes[k].update(at, f);
                inner.lasts[k] = inner.nodes[k].last().unwrap_or(EMPTY);
            }
        }
    }
}

/// A region array as a counted B+-tree (see the module documentation).
#[derive(Clone)]
pub(crate) struct RegionTree {
    root: Node,
    len: usize,
}

impl RegionTree {
    pub(crate) fn new() -> Self {
        RegionTree { root: Node::Leaf(Vec::new()), len: 0 }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The entries, when the tree is a single leaf.
    #[inline]
    pub(crate) fn single_leaf(&self) -> Option<&[Region]> {
        match &self.root {
            Node::Leaf(items) => Some(items),
            Node::Inner(_) => None,
        }
    }

    /// The entries, mutable in place, when the tree is a single leaf.
    #[inline]
    pub(crate) fn single_leaf_mut(&mut self) -> Option<&mut [Region]> {
        match &mut self.root {
            Node::Leaf(items) => Some(items),
            Node::Inner(_) => None,
        }
    }

    /// The leaf holding entry `i`, and the index of the leaf's first entry.
    #[inline]
    pub(crate) fn leaf_at(&self, mut i: usize) -> Option<(&[Region], usize)> {
        if i >= self.len {
            return None;
        }
        let mut start = 0;
        let mut node = &self.root;
        loop {
            match node {
                Node::Leaf(items) => return Some((items, start)),
                Node::Inner(inner) => {
                    let (k, at) = inner.locate(i, false);
                    start += i - at;
                    i = at;
                    node = &inner.nodes[k];
                }
            }
        }
    }

    /// The number of leading entries for which `pred` holds, `pred` holding on a prefix of
    /// the array and failing on the rest (as `<[T]>::partition_point`); with the leaf the
    /// descent ended in and the index of its first entry, where the entry at that point (or
    /// the one before it) is read next.
    #[inline]
    pub(crate) fn seek(&self, mut pred: impl FnMut(&Region) -> bool) -> (usize, &[Region], usize) {
        let mut before = 0;
        let mut node = &self.root;
        loop {
            match node {
                Node::Leaf(items) => return (before + items.partition_point(&mut pred), items, before),
                Node::Inner(inner) => {
                    // Past every child: the last one's partition point is its end.
                    let k = inner.lasts.partition_point(&mut pred).min(inner.nodes.len() - 1);
                    before += inner.start(k);
                    node = &inner.nodes[k];
                }
            }
        }
    }

    pub(crate) fn insert(&mut self, i: usize, r: Region) {
        if let Some(upper) = self.root.insert(i, r) {
            let lower = core::mem::replace(&mut self.root, Node::Leaf(Vec::new()));
            self.root = Node::Inner(Inner::of([lower, upper]));
        }
        self.len += 1;
    }

    pub(crate) fn remove(&mut self, i: usize) -> Region {
        let r = self.root.remove(i);
        self.len -= 1;
        // The root loses a level when it is left with one child (or none).
        while let Node::Inner(inner) = &mut self.root {
            match inner.nodes.len() {
                0 => self.root = Node::Leaf(Vec::new()),
                1 => {
                    let only = inner.take(0);
                    self.root = only;
                }
                _ => break,
            }
        }
        r
    }

    /// Changes entry `i` in place.
    #[inline]
    pub(crate) fn update(&mut self, i: usize, f: impl FnOnce(&mut Region)) {
        match &mut self.root {
            Node::Leaf(items) => f(&mut items[i]),
            root => root.update(i, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::RegionFlags;

    fn region(base: u64) -> Region {
        Region { base, size: 1, nid: 0, flags: RegionFlags::empty() }
    }

    fn contents(t: &RegionTree) -> Vec<u64> {
        (0..t.len()).map(|i| t.leaf_at(i).map(|(leaf, start)| leaf[i - start].base).unwrap_or(u64::MAX)).collect()
    }

    /// A tiny generator so the test needs no crate.
    fn next(seed: &mut u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn follows_a_vector_through_random_inserts_removals_and_updates() {
        let mut tree = RegionTree::new();
        let mut model: Vec<u64> = Vec::new();
        let mut seed = 7;
        for step in 0..40_000u64 {
            let op = next(&mut seed) % 10;
            // Grow for the first half, shrink for the second, to exercise splits and joins.
            let grow = if step < 20_000 { op < 7 } else { op < 3 };
            if grow || model.is_empty() {
                let i = (next(&mut seed) as usize) % (model.len() + 1);
                tree.insert(i, region(step));
                model.insert(i, step);
            } else if op == 9 {
                let i = (next(&mut seed) as usize) % model.len();
                tree.update(i, |r| r.base += 1_000_000);
                model[i] += 1_000_000;
            } else {
                let i = (next(&mut seed) as usize) % model.len();
                assert_eq!(tree.remove(i).base, model.remove(i));
            }
            assert_eq!(tree.len(), model.len());
            if step % 997 == 0 {
                assert_eq!(contents(&tree), model);
            }
        }
        assert_eq!(contents(&tree), model);
        while !model.is_empty() {
            assert_eq!(tree.remove(0).base, model.remove(0));
        }
        assert_eq!(tree.len(), 0);
        tree.insert(0, region(5));
        assert_eq!(contents(&tree), [5]);
    }

    #[test]
    fn partition_point_matches_the_slice_one() {
        let mut tree = RegionTree::new();
        let bases: Vec<u64> = (0..5_000).map(|i| i * 10).collect();
        for (i, &b) in bases.iter().enumerate() {
            tree.insert(i, region(b));
        }
        for probe in [0, 1, 9, 10, 11, 12_345, 49_990, 49_991, 60_000] {
            assert_eq!(tree.seek(|r| r.base < probe).0, bases.partition_point(|&b| b < probe), "{probe}");
        }
    }
}

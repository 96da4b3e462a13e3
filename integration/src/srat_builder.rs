//! Real SRAT bytes for a described NUMA layout, so that a machine file's nodes go through the
//! same parser as a firmware table: a revision-3 table with one local APIC affinity entry per
//! CPU and one memory affinity entry per range, and a correct checksum.

use crate::machine::NodeSpec;

fn push_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn push_u64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// The table for `nodes`.
pub fn build_srat(nodes: &[NodeSpec]) -> Vec<u8> {
    let mut body = Vec::new();
    for n in nodes {
        for &apic in &n.cpus {
            // Processor Local APIC/SAPIC Affinity (type 0, 16 bytes).
            body.extend_from_slice(&[0, 16, n.pxm as u8, apic as u8]);
            push_u32(&mut body, 1); // enabled
            body.push(0); // local SAPIC EID
            body.extend_from_slice(&n.pxm.to_le_bytes()[1..4]);
            push_u32(&mut body, 0); // clock domain
        }
    }
    for n in nodes {
        for m in &n.memory {
            // Memory Affinity (type 1, 40 bytes).
            body.extend_from_slice(&[1, 40]);
            push_u32(&mut body, n.pxm);
            body.extend_from_slice(&[0, 0]);
            push_u64(&mut body, m.start);
            push_u64(&mut body, m.end - m.start);
            push_u32(&mut body, 0);
            push_u32(&mut body, if m.hotpluggable { 3 } else { 1 });
            push_u64(&mut body, 0);
        }
    }
    let len = 48 + body.len();
    let mut t = Vec::with_capacity(len);
    t.extend_from_slice(b"SRAT");
    push_u32(&mut t, len as u32);
    t.push(3); // revision
    t.push(0); // checksum, below
    t.extend_from_slice(b"BOOTSM");
    t.extend_from_slice(b"MOVABLE ");
    push_u32(&mut t, 1);
    t.extend_from_slice(b"BTSM");
    push_u32(&mut t, 1);
    push_u32(&mut t, 1); // table revision
    push_u64(&mut t, 0); // reserved
    t.extend_from_slice(&body);
    let sum = t.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    t[9] = 0u8.wrapping_sub(sum);
    t
}

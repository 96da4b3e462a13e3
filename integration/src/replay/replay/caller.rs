//! The callers the log names: the function of `symbol+0xoff/0xsize`, and its owner label.

use super::*;

/// A reservation's owner for the layers' labelled events: the caller's function. The layers
/// label with `&'static str`; names are interned once per process (at most a few thousand
/// kernel functions; past that, one shared label).
pub(super) fn label(caller: &str) -> Label {
    const MAX_LABELS: usize = 4096;
    thread_local! {
        static CACHE: RefCell<HashMap<String, Label>> = RefCell::new(HashMap::new());
    }
    static LABELS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let name = function_of(caller);
    if let Some(l) = CACHE.with(|c| c.borrow().get(name).copied()) {
        return l;
    }
    let l = {
        let mut set = LABELS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
        match set.get(name) {
            Some(&l) => l,
            None if set.len() >= MAX_LABELS => "(other caller)",
            None => {
                let l: &'static str = Box::leak(name.to_string().into_boxed_str());
                set.insert(l);
                l
            }
        }
    };
    CACHE.with(|c| c.borrow_mut().insert(name.to_string(), l));
    l
}

/// `symbol` of `symbol+0xoff/0xsize [module]`.
pub(super) fn function_of(caller: &str) -> &str {
    caller.split(['+', ' ']).next().unwrap_or(caller)
}

pub(super) fn show_nid(nid: Nid) -> Option<i32> {
    (nid != NUMA_NO_NODE && nid != MAX_NUMNODES).then_some(nid)
}

//! Memory for the arrays compiled kernels write.
//!
//! A large fresh allocation is backed by pages the kernel faults in on first write: 80 MB in
//! 4 KiB pages is about 20,000 faults, which can cost more than the kernel itself. Large
//! outputs therefore ask the operating system for transparent huge pages (2 MiB) before they
//! are touched, which NumPy's allocator also does.

use crate::{Array, DType, Data};

/// Outputs of at least this many bytes ask for huge pages.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// A zero-filled array for a kernel to write.
pub fn output_array(dtype: DType, shape: Vec<usize>) -> Array {
    let n: usize = shape.iter().product();
    let data = Data::zeros(dtype, n);
    let bytes = n * dtype.itemsize();
    if bytes >= HUGE_PAGE_MIN_BYTES {
        crate::with_data!(&data, v => advise_huge_pages(v.as_ptr() as usize, bytes));
    }
    Array::new(shape, data)
}

/// Asks for huge pages over the 2 MiB-aligned part of `addr..addr + len`. Only advice: where
/// the system does not support it nothing changes.
fn advise_huge_pages(addr: usize, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = addr.next_multiple_of(HUGE);
        let end = (addr + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: madvise only changes how the kernel backs pages of this process's own
            // allocation (the aligned range lies inside it); MADV_HUGEPAGE never changes the
            // contents, and an error leaves the mapping as it was.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (addr, len);
}

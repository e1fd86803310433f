//! Memory for the arrays compiled kernels write.
//!
//! A large fresh allocation is backed by pages the kernel faults in, and the operating system
//! zeroes, on first write: 80 MB in 4 KiB pages is about 20,000 faults, which can cost more
//! than the kernel itself (this is why NumPy with `out=` beats NumPy without it at 10M
//! elements). So large buffers are
//! - reused: an executor gives back (`recycle`) the buffers it no longer needs, and
//!   `output_array` takes one of the same dtype and length from this pool before allocating;
//! - fresh ones ask for transparent huge pages (2 MiB) before they are touched, as NumPy's
//!   allocator also does.

use crate::{Array, DType, Data};
use std::sync::Mutex;

/// Buffers of at least this many bytes are pooled and ask for huge pages.
const LARGE_BYTES: usize = 4 << 20;

/// The pool holds at most this many bytes; a buffer given back beyond that is freed.
const POOL_MAX_BYTES: usize = 1 << 30;

/// Large buffers given back, most recent last.
static POOL: Mutex<Vec<Data>> = Mutex::new(Vec::new());

fn bytes_of(data: &Data) -> usize {
    data.len() * data.dtype().itemsize()
}

/// An array for a kernel that writes every element. It is zero-filled, or (for large arrays)
/// a recycled buffer that holds earlier values of the same dtype.
pub fn output_array(dtype: DType, shape: Vec<usize>) -> Array {
    let n: usize = shape.iter().product();
    let bytes = n * dtype.itemsize();
    if bytes >= LARGE_BYTES {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = pool
            .iter()
            .rposition(|d| d.dtype() == dtype && d.len() == n)
        {
            return Array::new(shape, pool.swap_remove(i));
        }
    }
    let data = Data::zeros(dtype, n);
    if bytes >= LARGE_BYTES {
        crate::with_data!(&data, v => advise_huge_pages(v.as_ptr() as usize, bytes));
    }
    Array::new(shape, data)
}

/// Gives an array that is no longer needed back to the pool, so that the next large result of
/// the same dtype and length reuses its memory (small ones are just freed).
pub fn recycle(array: Array) {
    let data = array.into_data();
    let bytes = bytes_of(&data);
    if bytes < LARGE_BYTES {
        return;
    }
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let mut held: usize = pool.iter().map(bytes_of).sum();
    // Make room by freeing the oldest buffers.
    while held + bytes > POOL_MAX_BYTES && !pool.is_empty() {
        held -= bytes_of(&pool.remove(0));
    }
    if bytes <= POOL_MAX_BYTES {
        pool.push(data);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_are_reused_and_small_ones_are_not() {
        let n = LARGE_BYTES / 8 + 13;
        let a = output_array(DType::F64, vec![n]);
        let address = a.as_slice::<f64>().unwrap().as_ptr();
        recycle(a);
        // Another thread's test may take it first; retry a few times.
        let reused = (0..3).any(|_| {
            let b = output_array(DType::F64, vec![n]);
            let same = b.as_slice::<f64>().unwrap().as_ptr() == address;
            recycle(b);
            same
        });
        assert!(reused);
        // A different dtype or length never gets it.
        let c = output_array(DType::I64, vec![n]);
        assert_eq!(c.len(), n);
        assert_eq!(c.dtype(), DType::I64);
        let small = output_array(DType::F64, vec![10]);
        assert_eq!(small.as_slice::<f64>(), Some(&[0.0; 10][..]));
    }
}

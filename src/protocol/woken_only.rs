//! [`WokenOnly`]: a future polled only when its own waker fired.
//!
//! Futures joined in one task (`tokio::select!`) are all polled at every wake of the task.
//! The stop signals wait next to the protocol loop, which wakes its task several times a
//! command (stdin, the HTTP socket, timers): polling the three signal streams at each of
//! those wakes cost about 2,000 instructions a command. Wrapped, they are polled on their
//! first poll and then only after something woke them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// `future`, polled only when it asked to be (see the module doc).
pub struct WokenOnly<F> {
    future: F,
    wake: Arc<WakeFlag>,
}

/// The waker handed to the inner future: it notes the wake, then wakes the task.
struct WakeFlag {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(task) = task.as_ref() {
            task.wake_by_ref();
        }
    }
}

impl<F> WokenOnly<F> {
    pub fn new(future: F) -> Self {
        WokenOnly {
            future,
            wake: Arc::new(WakeFlag {
                // The first poll polls the future (it registers its waker then).
                woken: AtomicBool::new(true),
                task: Mutex::new(None),
            }),
        }
    }
}

impl<F: Future + Unpin> Future for WokenOnly<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        {
            let mut task = self
                .wake
                .task
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !task
                .as_ref()
                .is_some_and(|known| known.will_wake(cx.waker()))
            {
                *task = Some(cx.waker().clone());
            }
        }
        // Cleared before the poll: a wake during or after it is seen at the next one.
        if !self.wake.woken.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        let waker = Waker::from(self.wake.clone());
        let mut own = Context::from_waker(&waker);
        Pin::new(&mut self.future).poll(&mut own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Counts its polls; ready once `ready` is set, after its last waker is woken.
    struct Probe {
        polls: Rc<Cell<u32>>,
        ready: Rc<Cell<bool>>,
        waker: Rc<Cell<Option<Waker>>>,
    }

    impl Future for Probe {
        type Output = &'static str;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
            self.polls.set(self.polls.get() + 1);
            if self.ready.get() {
                return Poll::Ready("done");
            }
            self.waker.set(Some(cx.waker().clone()));
            Poll::Pending
        }
    }

    struct CountingWaker(std::sync::atomic::AtomicU32);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_inner_future_is_polled_first_and_then_only_after_its_wake() {
        let polls = Rc::new(Cell::new(0));
        let ready = Rc::new(Cell::new(false));
        let inner_waker = Rc::new(Cell::new(None::<Waker>));
        let mut wrapped = WokenOnly::new(Probe {
            polls: polls.clone(),
            ready: ready.clone(),
            waker: inner_waker.clone(),
        });
        let task = Arc::new(CountingWaker(Default::default()));
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);

        assert_eq!(Pin::new(&mut wrapped).poll(&mut cx), Poll::Pending);
        assert_eq!(polls.get(), 1);
        // Wakes of the task by others: the inner future is left alone.
        for _ in 0..5 {
            assert_eq!(Pin::new(&mut wrapped).poll(&mut cx), Poll::Pending);
        }
        assert_eq!(polls.get(), 1);

        // Its own wake wakes the task and gets it polled once more.
        ready.set(true);
        inner_waker.take().expect("registered").wake();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        assert_eq!(Pin::new(&mut wrapped).poll(&mut cx), Poll::Ready("done"));
        assert_eq!(polls.get(), 2);
    }
}

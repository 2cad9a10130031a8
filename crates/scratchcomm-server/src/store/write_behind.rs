//! The write-behind: rooms record changes into a shared [`Pending`] batch without waiting;
//! a background thread writes that batch to the [`RoomStore`] every flush interval, on
//! request ([`WriteBehind::flush`]) and once more when closed.

use scratchcomm_wire::CloudValue;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

use super::{Batch, RoomStore};
use crate::error::ServerError;

/// Changes not written yet. Recording is a mutex and a map insert: nothing waits for IO.
#[derive(Debug, Default)]
pub(crate) struct Pending(Mutex<Batch>);

impl Pending {
    pub(crate) fn set(&self, project: &str, name: &str, value: &CloudValue) {
        self.lock().set(project, name, value);
    }

    pub(crate) fn delete(&self, project: &str, name: &str) {
        self.lock().delete(project, name);
    }

    pub(crate) fn clear(&self, project: &str) {
        self.lock().clear(project);
    }

    /// Take everything recorded so far.
    pub(crate) fn take(&self) -> Batch {
        std::mem::take(&mut *self.lock())
    }

    /// Put back a batch whose write failed, before what was recorded since.
    fn restore(&self, failed: Batch) {
        let mut guard = self.lock();
        let newer = std::mem::take(&mut *guard);
        *guard = failed.then(newer);
    }

    fn lock(&self) -> MutexGuard<'_, Batch> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Reply = oneshot::Sender<Result<(), ServerError>>;

enum Command {
    Flush(Reply),
    Close(Reply),
}

/// The running write-behind of one server: the shared [`Pending`] batch and the thread
/// that writes it. Dropping it writes what is pending and closes the store in the
/// background.
#[derive(Debug)]
pub(crate) struct WriteBehind {
    pending: Arc<Pending>,
    commands: mpsc::Sender<Command>,
}

impl WriteBehind {
    /// Start the writer thread for `store`, writing at least every `interval`.
    pub(crate) fn start(
        store: Arc<dyn RoomStore>,
        interval: Duration,
    ) -> Result<WriteBehind, ServerError> {
        let pending = Arc::new(Pending::default());
        let (commands, rx) = mpsc::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServerError::start)?;
        let writer = Writer {
            store,
            pending: Arc::clone(&pending),
            runtime,
            failing: false,
        };
        std::thread::Builder::new()
            .name("scratchcomm-store".to_owned())
            .spawn(move || writer.run(rx, interval))
            .map_err(ServerError::start)?;
        Ok(WriteBehind { pending, commands })
    }

    /// Where rooms record their changes.
    pub(crate) fn pending(&self) -> &Arc<Pending> {
        &self.pending
    }

    /// Write everything recorded so far now; resolves once it is in the store.
    pub(crate) async fn flush(&self) -> Result<(), ServerError> {
        self.ask(Command::Flush).await
    }

    /// Write what is left and close the store. Changes recorded afterwards are not written.
    pub(crate) async fn close(&self) -> Result<(), ServerError> {
        self.ask(Command::Close).await
    }

    async fn ask(&self, command: fn(Reply) -> Command) -> Result<(), ServerError> {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(command(tx)).is_err() {
            return Err(ServerError::store("the store", "it is already closed"));
        }
        rx.await
            .unwrap_or_else(|_| Err(ServerError::store("the store", "its writer thread stopped")))
    }
}

struct Writer {
    store: Arc<dyn RoomStore>,
    pending: Arc<Pending>,
    runtime: tokio::runtime::Runtime,
    failing: bool,
}

impl Writer {
    fn run(mut self, commands: mpsc::Receiver<Command>, interval: Duration) {
        let mut next = Instant::now() + interval;
        loop {
            let wait = next.saturating_duration_since(Instant::now());
            let command = match commands.recv_timeout(wait) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                // Every handle is gone: write what is left and stop.
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.write_pending();
                    let _ = self.close();
                    return;
                }
            };
            match command {
                None => {
                    next = Instant::now() + interval;
                    let _ = self.write_pending();
                }
                Some(Command::Flush(reply)) => {
                    let _ = reply.send(self.write_pending());
                }
                Some(Command::Close(reply)) => {
                    let result = self.write_pending().and(self.close());
                    let _ = reply.send(result);
                    return;
                }
            }
        }
    }

    fn write_pending(&mut self) -> Result<(), ServerError> {
        let batch = self.pending.take();
        if batch.is_empty() {
            return Ok(());
        }
        let batch = Arc::new(batch);
        let started = Instant::now();
        match self.runtime.block_on(self.store.write(Arc::clone(&batch))) {
            Ok(()) => {
                if std::mem::take(&mut self.failing) {
                    tracing::info!(store = %self.store.describe(), "store writes work again");
                }
                tracing::debug!(changes = batch.len(), elapsed = ?started.elapsed(), "store written");
                Ok(())
            }
            Err(e) => {
                if !std::mem::replace(&mut self.failing, true) {
                    tracing::error!(error = %e, "cannot write to the store; retrying every interval");
                }
                self.pending.restore(Arc::unwrap_or_clone(batch));
                Err(e)
            }
        }
    }

    fn close(&self) -> Result<(), ServerError> {
        self.runtime.block_on(self.store.close())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryStore, StoreFuture, StoredRoom};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    fn v(text: &str) -> CloudValue {
        CloudValue::new(text)
    }

    /// A store that counts writes and fails while `broken` is set.
    #[derive(Default)]
    struct Flaky {
        inner: MemoryStore,
        broken: AtomicBool,
        writes: AtomicUsize,
    }

    impl RoomStore for Flaky {
        fn load(&self) -> StoreFuture<'_, Vec<StoredRoom>> {
            self.inner.load()
        }
        fn write(&self, batch: Arc<Batch>) -> StoreFuture<'_, ()> {
            self.writes.fetch_add(1, Ordering::SeqCst);
            if self.broken.load(Ordering::SeqCst) {
                return Box::pin(async { Err(ServerError::store("flaky", "broken")) });
            }
            self.inner.write(batch)
        }
        fn close(&self) -> StoreFuture<'_, ()> {
            self.inner.close()
        }
        fn describe(&self) -> String {
            "flaky".into()
        }
    }

    #[tokio::test]
    async fn flush_writes_coalesced_changes_in_one_write() {
        let store = Arc::new(Flaky::default());
        let wb = WriteBehind::start(store.clone(), Duration::from_secs(3600)).unwrap();
        for i in 0..100 {
            wb.pending().set("1", "☁ a", &v(&i.to_string()));
        }
        wb.pending().set("1", "☁ b", &v("1"));
        wb.pending().delete("1", "☁ b");
        wb.flush().await.unwrap();
        assert_eq!(store.writes.load(Ordering::SeqCst), 1);
        let rooms = store.inner.snapshot();
        assert_eq!(rooms["1"].len(), 1);
        assert_eq!(rooms["1"]["☁ a"], v("99"));
        // Nothing pending: a flush does not write.
        wb.flush().await.unwrap();
        assert_eq!(store.writes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_interval_writes_without_being_asked() {
        let store = Arc::new(Flaky::default());
        let wb = WriteBehind::start(store.clone(), Duration::from_millis(20)).unwrap();
        wb.pending().set("7", "☁ x", &v("42"));
        let mut written = false;
        for _ in 0..500 {
            if store.inner.snapshot().contains_key("7") {
                written = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(written, "the periodic write never happened");
        wb.close().await.unwrap();
        assert!(
            wb.flush().await.is_err(),
            "a closed write-behind refuses work"
        );
    }

    #[tokio::test]
    async fn a_failed_write_is_retried_with_newer_changes_on_top() {
        let store = Arc::new(Flaky::default());
        let wb = WriteBehind::start(store.clone(), Duration::from_secs(3600)).unwrap();
        store.broken.store(true, Ordering::SeqCst);
        wb.pending().set("1", "☁ a", &v("1"));
        wb.pending().set("1", "☁ b", &v("1"));
        let err = wb.flush().await.unwrap_err();
        assert!(err.to_string().contains("broken"), "{err}");
        wb.pending().set("1", "☁ a", &v("2"));
        store.broken.store(false, Ordering::SeqCst);
        wb.flush().await.unwrap();
        let rooms = store.inner.snapshot();
        assert_eq!(rooms["1"]["☁ a"], v("2"));
        assert_eq!(rooms["1"]["☁ b"], v("1"));
    }

    #[tokio::test]
    async fn close_writes_what_is_left() {
        let store = Arc::new(Flaky::default());
        let wb = WriteBehind::start(store.clone(), Duration::from_secs(3600)).unwrap();
        wb.pending().set("1", "☁ a", &v("5"));
        wb.pending().clear("2");
        wb.close().await.unwrap();
        assert_eq!(store.inner.snapshot()["1"]["☁ a"], v("5"));
    }

    #[test]
    fn dropping_the_handle_still_writes_in_the_background() {
        let store = Arc::new(Flaky::default());
        let wb = WriteBehind::start(store.clone(), Duration::from_secs(3600)).unwrap();
        wb.pending().set("1", "☁ a", &v("9"));
        drop(wb);
        let mut written = false;
        for _ in 0..500 {
            if store.inner.snapshot().contains_key("1") {
                written = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(written);
    }
}

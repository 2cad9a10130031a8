//! The link of one node to Redis: connects (and reconnects), publishes the node's sets
//! through the room's sequence, applies what the rooms' channels bring, snapshots rooms,
//! and switches to serving alone while Redis is away. It executes what
//! [`RoomSync`](super::sync::RoomSync) decides.

use futures_util::StreamExt;
use redis::aio::{MultiplexedConnection, PubSubSink, PubSubStream};
use redis::{Script, Value};
use scratchcomm_wire::CloudValue;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use super::scripts::{
    self, key, parse, project_of, timed, Lost, BEAT, HEARTBEAT, MAX_BATCH, NODE_PREFIX, OTHERS,
    PUBLISH, SNAPSHOT,
};
use super::sync::{Op, Remote, RoomSync, Step};
use super::{Command, Shared, Status};
use crate::message::VarKey;
use crate::outbox::ChannelOutbox;
use crate::room::Rooms;

pub(super) struct Link {
    pub(super) client: redis::Client,
    pub(super) described: String,
    pub(super) node: String,
    pub(super) rooms: Arc<Rooms<ChannelOutbox>>,
    pub(super) max_variables: usize,
    /// Rename and delete are enabled: a snapshot drops the variables Redis lacks.
    pub(super) prune: bool,
    /// The server stopped: this node no longer counts (no heartbeat written).
    pub(super) left: bool,
    /// The server's state is gone: end the link (see [`Command::Stop`]).
    pub(super) stopped: bool,
    pub(super) syncs: HashMap<String, RoomSync>,
    pub(super) scripts: [Script; 4],
    pub(super) max_rooms: usize,
    /// How many rooms `syncs` holds, for the health report.
    pub(super) followed: Arc<std::sync::atomic::AtomicUsize>,
}

struct Conn {
    cmd: MultiplexedConnection,
    sink: PubSubSink,
    stream: PubSubStream,
}

impl Link {
    pub(super) fn new(
        client: redis::Client,
        described: String,
        node: String,
        rooms: Arc<Rooms<ChannelOutbox>>,
        config: &crate::config::ServerConfig,
    ) -> Self {
        Link {
            client,
            described,
            node,
            rooms,
            max_variables: config.limits.max_variables_per_room,
            prune: config.allow_rename_delete,
            left: false,
            stopped: false,
            syncs: HashMap::new(),
            scripts: [
                Script::new(PUBLISH),
                Script::new(OTHERS),
                Script::new(SNAPSHOT),
                Script::new(BEAT),
            ],
            max_rooms: config.limits.max_rooms,
            followed: Arc::default(),
        }
    }

    /// Serve until the server's state is dropped ([`Command::Stop`]) or every sender of
    /// `rx` is gone.
    pub(super) async fn run(
        mut self,
        shared: Arc<Shared>,
        mut rx: mpsc::UnboundedReceiver<Command>,
    ) {
        let mut delay = Duration::from_millis(100);
        loop {
            let lost = match self.connect(&shared).await {
                Ok(mut conn) => {
                    delay = Duration::from_millis(100);
                    match self.serve(&shared, &mut conn, &mut rx).await {
                        Some(lost) => lost,
                        None => return,
                    }
                }
                Err(e) => e,
            };
            self.down(&shared, lost);
            // Serve alone until the next attempt.
            let until = tokio::time::Instant::now() + delay;
            loop {
                if self.stopped {
                    return;
                }
                tokio::select! {
                    cmd = rx.recv() => match cmd {
                        Some(cmd) => self.alone(&shared, cmd),
                        None => return,
                    },
                    _ = tokio::time::sleep_until(until) => break,
                }
            }
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    async fn connect(&mut self, shared: &Shared) -> Result<Conn, Lost> {
        let mut cmd = timed(self.client.get_multiplexed_async_connection()).await?;
        let (mut sink, stream) = timed(self.client.get_async_pubsub()).await?.split();
        for script in &self.scripts {
            let invocation = script.prepare_invoke();
            timed(invocation.load_async(&mut cmd)).await?;
        }
        // Follow every room with clients here, including rooms first joined while Redis
        // was away.
        for (project, clients) in self.rooms.local_member_counts() {
            if clients > 0 {
                self.syncs.entry(project).or_default();
            }
        }
        self.count_followed();
        let channels: Vec<String> = self.syncs.keys().map(|p| key(p, "c")).collect();
        if !channels.is_empty() {
            timed(sink.subscribe(channels)).await?;
        }
        let mut conn = Conn { cmd, sink, stream };
        self.beat(&mut conn).await?;
        // From now on sets go to Redis (queued behind what we republish now).
        let kept = {
            let mut gate = shared.gate();
            gate.up = true;
            gate.unpublished.take()
        };
        let mut republished = 0;
        for (project, vars) in kept {
            let mut pipe = redis::pipe();
            for (name, value) in &vars {
                let change = match value {
                    Some(value) => (Op::Republished, name.as_str(), value.as_str()),
                    None => (Op::Delete, name.as_str(), ""),
                };
                self.publish_into(&mut pipe, &project, 0, change);
            }
            republished += vars.len();
            if let Err(e) = timed(pipe.query_async::<Value>(&mut conn.cmd)).await {
                // Keep them for the next attempt.
                let mut gate = shared.gate();
                gate.up = false;
                for (name, value) in &vars {
                    match value {
                        Some(value) => gate.unpublished.record(&project, name, value),
                        None => gate.unpublished.record_delete(&project, name),
                    }
                }
                return Err(e);
            }
        }
        for (project, clients) in self.rooms.local_member_counts() {
            scripts::write_members(&mut conn.cmd, &self.node, &project, clients).await?;
        }
        let projects: Vec<String> = self.syncs.keys().cloned().collect();
        for project in &projects {
            self.snapshot(&mut conn, project).await?;
        }
        let mut status = shared.status();
        *status = Status {
            up: true,
            since: Instant::now(),
            error: None,
        };
        tracing::info!(redis = %self.described, node = %self.node, rooms = projects.len(), republished, "Redis reachable: rooms in step");
        Ok(conn)
    }

    /// Run connected; `Some(why)` when Redis is lost, `None` when the server is gone.
    async fn serve(
        &mut self,
        shared: &Shared,
        conn: &mut Conn,
        rx: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Option<Lost> {
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.reset();
        loop {
            let result = tokio::select! {
                biased;
                msg = conn.stream.next() => match msg {
                    Some(msg) => self.on_message(conn, &msg).await,
                    None => Err("the subscription connection closed".to_owned()),
                },
                cmd = rx.recv() => match cmd {
                    Some(cmd) => self.on_command(shared, conn, cmd, rx).await,
                    None => return None,
                },
                _ = beat.tick() => self.beat(conn).await,
            };
            if let Err(lost) = result {
                return Some(lost);
            }
            if self.stopped {
                return None;
            }
        }
    }

    async fn on_command(
        &mut self,
        shared: &Shared,
        conn: &mut Conn,
        first: Command,
        rx: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Result<(), Lost> {
        let mut later = Vec::new();
        let mut sets = Vec::new();
        let mut next = Some(first);
        while let Some(cmd) = next.take() {
            match cmd {
                Command::Publish {
                    project,
                    client,
                    op,
                    name_json,
                    value_json,
                } => sets.push((project, client, op, name_json, value_json)),
                other => later.push(other),
            }
            if sets.len() < MAX_BATCH && later.is_empty() {
                next = rx.try_recv().ok();
            }
        }
        if !sets.is_empty() {
            let mut pipe = redis::pipe();
            for (project, client, op, name, value) in &sets {
                self.publish_into(&mut pipe, project, *client, (*op, name, value));
            }
            if let Err(e) = timed(pipe.query_async::<Value>(&mut conn.cmd)).await {
                // Maybe applied by Redis, maybe not: apply here and keep them, as in an outage.
                for (project, client, op, name, value) in sets {
                    self.alone(
                        shared,
                        Command::Publish {
                            project,
                            client,
                            op,
                            name_json: name,
                            value_json: value,
                        },
                    );
                }
                for cmd in later {
                    self.alone(shared, cmd);
                }
                return Err(e);
            }
        }
        for cmd in later {
            match cmd {
                Command::Ensure { project, done } => {
                    if self.syncs.contains_key(&project) {
                        let others =
                            scripts::others(&mut conn.cmd, &self.scripts[1], &self.node, &project)
                                .await?;
                        self.rooms.set_remote_members(&project, others);
                    } else {
                        self.follow(conn, &project, true).await?;
                    }
                    let _ = done.send(());
                }
                Command::Members { project, clients } => {
                    scripts::write_members(&mut conn.cmd, &self.node, &project, clients).await?;
                    self.follow(conn, &project, clients > 0).await?;
                }
                Command::Leave => {
                    self.left = true;
                    scripts::leave(&mut conn.cmd, &self.node).await?;
                }
                Command::Stop => self.stopped = true,
                Command::Publish { .. } => unreachable!("sets are taken above"),
            }
        }
        Ok(())
    }

    /// Follow the room of `project` (subscribe, then snapshot) while this node has clients
    /// in it, and stop following it when it has none: a node only receives the traffic of
    /// rooms it serves. A room no longer followed keeps its variables here; they are
    /// brought up to date by the snapshot when a client joins it again.
    async fn follow(&mut self, conn: &mut Conn, project: &str, wanted: bool) -> Result<(), Lost> {
        let following = self.syncs.contains_key(project);
        if wanted && !following {
            timed(conn.sink.subscribe(key(project, "c"))).await?;
            self.syncs.insert(project.to_owned(), RoomSync::loading());
            self.snapshot(conn, project).await?;
        } else if !wanted && following {
            timed(conn.sink.unsubscribe(key(project, "c"))).await?;
            self.syncs.remove(project);
        }
        self.count_followed();
        Ok(())
    }

    async fn on_message(&mut self, conn: &mut Conn, msg: &redis::Msg) -> Result<(), Lost> {
        let Some(project) = project_of(msg.get_channel_name()).map(str::to_owned) else {
            return Ok(());
        };
        let remote = std::str::from_utf8(msg.get_payload_bytes())
            .ok()
            .and_then(Remote::parse);
        let Some(remote) = remote else {
            tracing::warn!(
                channel = msg.get_channel_name(),
                "ignoring a message this server did not write"
            );
            return Ok(());
        };
        // A room just left may still have messages in flight.
        let Some(sync) = self.syncs.get_mut(&project) else {
            return Ok(());
        };
        let steps = sync.on_remote(remote);
        self.execute(conn, &project, steps, 0).await
    }

    async fn snapshot(&mut self, conn: &mut Conn, project: &str) -> Result<(), Lost> {
        let reply: (u64, Vec<String>, usize) = timed(
            self.scripts[2]
                .key(key(project, "v"))
                .key(key(project, "seq"))
                .key(key(project, "n"))
                .arg(&self.node)
                .arg(NODE_PREFIX)
                .invoke_async(&mut conn.cmd),
        )
        .await?;
        let (seq, flat, others) = reply;
        // Held (an empty room dropped if this node holds too many) before it is filled.
        self.rooms.hold(project, self.max_rooms);
        let vars = flat
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect();
        let steps = self
            .syncs
            .entry(project.to_owned())
            .or_default()
            .on_snapshot(seq, vars);
        Box::pin(self.execute(conn, project, steps, others)).await
    }

    async fn execute(
        &mut self,
        conn: &mut Conn,
        project: &str,
        steps: Vec<Step>,
        others: usize,
    ) -> Result<(), Lost> {
        for step in steps {
            match step {
                Step::Snapshot(vars) => {
                    let mut parsed: Vec<(VarKey, CloudValue)> =
                        vars.iter().filter_map(|(n, v)| parse(n, v)).collect();
                    parsed.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
                    self.rooms
                        .apply_snapshot(project, parsed, others, self.prune);
                }
                Step::Apply(remote) => {
                    let except = if remote.node == self.node {
                        remote.client
                    } else {
                        0
                    };
                    self.apply_change(project, except, &remote);
                }
                Step::Resync => self.snapshot(conn, project).await?,
            }
        }
        Ok(())
    }

    /// Renew this node's liveness and load in Redis and learn the other nodes' load.
    async fn beat(&mut self, conn: &mut Conn) -> Result<(), Lost> {
        if self.left {
            return scripts::ping(&mut conn.cmd).await;
        }
        scripts::heartbeat(&mut conn.cmd, &self.scripts[3], &self.node, &self.rooms).await
    }

    fn count_followed(&self) {
        let n = self.syncs.len();
        self.followed.store(n, std::sync::atomic::Ordering::Relaxed);
    }

    fn publish_into(
        &self,
        pipe: &mut redis::Pipeline,
        project: &str,
        client: u64,
        (op, name, value): (Op, &str, &str),
    ) {
        let body = Remote::body(&self.node, client, op, name, value);
        let hash = self.scripts[0].get_hash();
        scripts::add_publish(
            pipe,
            hash,
            project,
            (op.flag(), name, value),
            &body,
            self.max_variables,
        );
    }
}

//! Rate-limited goodput: with Scratch's limits on the bot's connection (10 sets/s, 100 ms
//! apart) and 220-digit packets, how fast a long secure reply arrives, as a fraction of
//! the theoretical limit.

use super::bots::{connect_cloud, start_bot, PACKET_SIZE};
use super::scale::met;
use actors_cloud::RateLimit;
use actors_security::TABLE;
use actors_socket::{ConnectMode, PacketSize, ScratchClient};
use anyhow::Context;
use scratchcomm_server::{CloudServer, ServerConfig};
use std::time::{Duration, Instant};

/// Plaintext characters per secure TO_CLIENT packet at `size` (§3.6: floor(size/2) − 28).
pub fn secure_chars_per_packet(size: usize) -> usize {
    (size / 2).saturating_sub(28).max(1)
}

/// The shortest time a reply of `packets` packets can take at `per_second` sets per
/// second: the first packet goes at once, each further one a full interval later.
pub fn ideal_time(packets: usize, per_second: u32) -> Duration {
    Duration::from_secs_f64(packets.saturating_sub(1) as f64 / per_second.max(1) as f64)
}

/// Asks the bot for `chars` characters over a secure connection and reports goodput.
pub async fn goodput(chars: usize) -> anyhow::Result<()> {
    let server = CloudServer::start(ServerConfig::default()).await?;
    let url = server.url();
    let limit = RateLimit::scratch();
    let per_second = limit.get_max_per_second().unwrap_or(10);
    let spacing = actors_socket::DEFAULT_TO_CLIENT_SPACING;
    let bot = start_bot(&url, "goodput", true, limit, spacing).await?;
    let cloud = connect_cloud(&url, "goodput", "reader").await?;
    let client = ScratchClient::connect(
        &cloud,
        ConnectMode::Secure(bot.public_data.clone()),
        PacketSize::Fixed(PACKET_SIZE),
    )
    .await?;
    let timeout = Duration::from_secs(30) + ideal_time(chars, per_second) * 2;
    client
        .request("ping", &[] as &[&str], Duration::from_secs(10))
        .await
        .context("warm-up request")?;
    // Let the bot's one-second window empty so the measured reply starts fresh.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let started = Instant::now();
    let reply = client
        .request("long", &[chars.to_string()], timeout)
        .await
        .context("the long reply")?;
    let elapsed = started.elapsed();
    let expected: String = TABLE.chars().cycle().take(chars).collect();
    anyhow::ensure!(
        reply == expected,
        "the long reply differs from the expected text ({} of {chars} characters)",
        reply.chars().count()
    );
    let per_packet = secure_chars_per_packet(PACKET_SIZE);
    let packets = chars.div_ceil(per_packet);
    let ideal = ideal_time(packets, per_second);
    let max_rate = (per_packet * per_second as usize) as f64;
    let fraction = ideal.as_secs_f64() / elapsed.as_secs_f64();
    println!(
        "goodput: secure reply of {chars} characters, {packets} packets of {per_packet} characters \
         ({PACKET_SIZE}-digit packets), bot limited to {per_second} sets/s, {} ms apart",
        limit.get_min_interval().as_millis()
    );
    println!(
        "  {:.1} characters/s in {:.2} s (theoretical limit {max_rate:.0} characters/s: \
         {packets} packets need at least {:.2} s)",
        chars as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        ideal.as_secs_f64()
    );
    println!(
        "  {:.1}% of the rate-limited maximum (target >= 95%: {})",
        fraction * 100.0,
        met(fraction >= 0.95)
    );
    client.close().await;
    bot.bot.stop().await;
    server.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_arithmetic_follows_the_spec() {
        assert_eq!(secure_chars_per_packet(220), 82);
        assert_eq!(secure_chars_per_packet(10), 1);
        assert_eq!(ideal_time(100, 10), Duration::from_millis(9900));
        assert_eq!(ideal_time(1, 10), Duration::ZERO);
        assert_eq!(ideal_time(0, 0), Duration::ZERO);
    }
}

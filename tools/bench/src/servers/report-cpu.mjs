// Answers the throughput benchmark's `cpu` message with the CPU time this process has used so far (µs): CPU
// per request is what a server costs, and, unlike requests per second, it barely moves when other processes
// take the machine's cores.
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send?.({ cpuMicros: user + system });
});

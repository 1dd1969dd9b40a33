/**
 * Prepares the process for onnxruntime before its first session: onnxruntime-node creates its
 * process-wide environment then, on the calling (main) thread.
 *
 * That environment starts onnxruntime's telemetry unless ORT_DISABLE_TELEMETRY is set, and the
 * telemetry's system-information probe (the 1DS SDK's sysinfo_sources) reads /proc/self/cmdline
 * and runs the std::regex "(.*)[ ]*.*[\n]*" over it. libstdc++'s regex matcher recurses once or
 * more per character, about 280 bytes of stack each, so a command line of about 29 KB (a long
 * prompt) exhausts the main thread's 8 MiB stack and the process dies of SIGSEGV before any model
 * is read. Turning the telemetry off removes the probe altogether, for every program that loads
 * models through riff, not only the CLI; it also keeps riff from reporting to anyone, as a local
 * tool should. A value the user set is left alone.
 */
let prepared = false;

export function prepareOnnxruntime(): void {
  if (prepared) return;
  prepared = true;
  process.env.ORT_DISABLE_TELEMETRY ??= "1";
}

using System.Runtime.CompilerServices;

// Every native signature in this assembly is blittable and declared with [LibraryImport]: the source generator emits
// plain calls (no runtime IL stubs), which keeps the trimmed publish free of interop warnings (GPU.md §2.1).
[assembly: DisableRuntimeMarshalling]

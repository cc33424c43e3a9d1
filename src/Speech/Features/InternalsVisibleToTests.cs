using System.Runtime.CompilerServices;

// The frame gather has an AVX path and a portable one; the tests compare the two on one machine.
[assembly: InternalsVisibleTo("Speech.Tests")]

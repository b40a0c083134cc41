#:project ../src/ECT/Ect.Cli.csproj
#:property PublishAot=false
// Counts the pixels of a PNG screenshot that are not near-white, with the project's own PNG decoder; exits 1 when
// fewer than --min (a blank or nearly blank render). Used by tools/check-report.sh; run: dotnet run count-ink.cs -- shot.png
using Ect.IO;

if (args.Length < 1) { Console.Error.WriteLine("usage: dotnet run count-ink.cs -- SCREENSHOT.png [MIN_FRACTION]"); return 2; }
double minFraction = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.02;
var (pixels, width, height, channels) = Png.Decode(File.ReadAllBytes(args[0]), args[0]);
long ink = 0;
for (int p = 0; p < width * height; p++)
{
    int darkest = 255;
    for (int c = 0; c < channels; c++) darkest = Math.Min(darkest, pixels[p * channels + c]);
    if (darkest < 235) ink++;   // anti-aliased text edges and light band shading count; pure page background does not
}
double fraction = ink / (double)(width * height);
Console.WriteLine($"{args[0]}: {width}×{height}, {ink:N0} non-white pixels ({fraction:P1})");
return fraction >= minFraction ? 0 : 1;

set terminal pngcairo size 1300,600
set output 'p80_by_form.png'
set title '80th-percentile cycle time per form (days)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -45
set key outside right
set grid ytics
set ylabel 'days'
plot 'p80_by_form.dat' using 2:xtic(1) title columnhead, 'p80_by_form.dat' using 3 title columnhead, 'p80_by_form.dat' using 4 title columnhead, 'p80_by_form.dat' using 5 title columnhead, 'p80_by_form.dat' using 6 title columnhead, 'p80_by_form.dat' using 7 title columnhead, 'p80_by_form.dat' using 8 title columnhead

set terminal pngcairo size 1100,650
set output 'backlog_centers_min-cost-flow.png'
set title 'Pending cases per center: min-cost-flow'
set xlabel 'day'
set ylabel 'pending'
set key outside right
set grid
set logscale y
plot 'backlog_centers_min-cost-flow.dat' using 1:2 with lines title 'CSC', 'backlog_centers_min-cost-flow.dat' using 1:3 with lines title 'NSC', 'backlog_centers_min-cost-flow.dat' using 1:4 with lines title 'TSC', 'backlog_centers_min-cost-flow.dat' using 1:5 with lines title 'VSC', 'backlog_centers_min-cost-flow.dat' using 1:6 with lines title 'PSC', 'backlog_centers_min-cost-flow.dat' using 1:7 with lines title 'HART', 'backlog_centers_min-cost-flow.dat' using 1:8 with lines title 'NBC', 'backlog_centers_min-cost-flow.dat' using 1:9 with lines title 'FO-HOU', 'backlog_centers_min-cost-flow.dat' using 1:10 with lines title 'FO-TPA', 'backlog_centers_min-cost-flow.dat' using 1:11 with lines title 'FO-KEN', 'backlog_centers_min-cost-flow.dat' using 1:12 with lines title 'FO-HIA', 'backlog_centers_min-cost-flow.dat' using 1:13 with lines title 'FO-DAL', 'backlog_centers_min-cost-flow.dat' using 1:14 with lines title 'FO-NYC', 'backlog_centers_min-cost-flow.dat' using 1:15 with lines title 'FO-LAX', 'backlog_centers_min-cost-flow.dat' using 1:16 with lines title 'FO-CHI', 'backlog_centers_min-cost-flow.dat' using 1:17 with lines title 'FO-NWK', 'backlog_centers_min-cost-flow.dat' using 1:18 with lines title 'FO-SFR', 'backlog_centers_min-cost-flow.dat' using 1:19 with lines title 'AO-HOU', 'backlog_centers_min-cost-flow.dat' using 1:20 with lines title 'AO-MIA', 'backlog_centers_min-cost-flow.dat' using 1:21 with lines title 'AO-NWK', 'backlog_centers_min-cost-flow.dat' using 1:22 with lines title 'AO-LAX'

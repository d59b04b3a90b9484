# gnuplot: H and max dH versus time (input entropy.dat from in.melt)
set terminal pngcairo size 900,600 noenhanced
set output 'entropy.png'
set multiplot layout 2,1 title 'Cu heated 300 K -> 2400 K: descriptor entropy (compute uq/entropy)'
set xlabel 'time (ps)'
set ylabel 'H (nats)'
set y2label 'T (K)'
set y2tics
set ytics nomirror
set key bottom right
plot 'entropy.dat' using 1:2 with lines lw 2 title 'H of the current environments', \
     log(256) with lines dt 3 title 'ln N (upper bound, N = 256 atoms)', \
     '' using 1:5 axes x1y2 with lines dt 2 title 'temperature'
set key top left
set ylabel 'max dH vs crystal reference'
unset y2label
unset y2tics
set ytics mirror
plot 'entropy.dat' using 1:3 with lines lw 2 title 'max dH', 0 with lines dt 3 title 'dH = 0'
unset multiplot
